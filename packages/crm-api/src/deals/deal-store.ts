/**
 * Deal writes shared by the deal routes and the event feed's deal rules: a deal's status
 * (`open`/`won`/`lost`), probability and `closedAt` follow its stage, and every write records its
 * audit rows (`deal.created`; `deal.updated` and, when the stage moved, `deal.stage_changed`,
 * which shows on the contact's timeline). Callers run these in the tenant's single writer.
 */
import { createChange, type WriteContext } from '../audit/create-change.js'
import { toClickHouseTime } from '../db/clickhouse-time.js'
import { createId } from '../db/create-id.js'
import { putEntity } from '../db/entity-store.js'
import type { TenantDb } from '../db/tenant-db.js'
import { createCrmError } from '../errors.js'
import type { DealRow } from './deal-row.js'
import { getPipelineRow, type Stage } from './pipeline-store.js'

/** The stages of pipeline `pipelineId`, in board order. @throws CrmError 400 naming `pipelineId`. */
export async function getStages(db: TenantDb, pipelineId: string): Promise<Stage[]> {
  return JSON.parse((await getPipelineRow(db, pipelineId, 'pipelineId')).stages) as Stage[]
}

/**
 * Stage `stageId` of the pipeline, or its first stage when undefined.
 * @throws CrmError 400 naming `stageId` (or `pipelineId`) when there is no such stage (or pipeline).
 */
export async function getStage(
  db: TenantDb,
  pipelineId: string,
  stageId: string | undefined,
): Promise<Stage> {
  const stages = await getStages(db, pipelineId)
  const stage = stageId === undefined ? stages[0] : stages.find((candidate) => candidate.id === stageId)
  if (!stage) {
    throw createCrmError('RASTRO_ERR_CRM_INVALID_INPUT', {
      message: `stageId: pipeline ${pipelineId} has no stage ${stageId}`,
      field: 'stageId',
    })
  }
  return stage
}

/** Puts `row` in `stage`: status, probability, and `closed_at` (set when it closes, cleared when it reopens). */
export function applyStage(row: DealRow, stage: Stage, now: number): void {
  const status = stage.isWon ? 'won' : stage.isLost ? 'lost' : 'open'
  if (status !== 'open' && row.status !== status) row.closed_at = toClickHouseTime(now)
  if (status === 'open') row.closed_at = null
  row.stage_id = stage.id
  row.status = status
  row.probability = stage.probability
}

/** A new, unsaved deal row of pipeline `pipelineId` (id made at `now`, epoch ms), with empty fields. */
export function createDealRow(pipelineId: string, now: number): DealRow {
  const at = toClickHouseTime(now)
  return {
    id: createId(now),
    version: 0,
    is_deleted: 0,
    name: '',
    pipeline_id: pipelineId,
    stage_id: '',
    status: 'open',
    probability: 0,
    amount_minor: 0,
    currency: '',
    contact_id: '',
    company_id: '',
    expected_close_date: null,
    closed_at: null,
    lost_reason: '',
    properties: '{}',
    created_at: at,
    updated_at: at,
  }
}

/** Stores a new deal (version 1) and its `deal.created` row; `changes` are the fields the caller set. */
export async function writeNewDeal(
  db: TenantDb,
  context: WriteContext,
  row: DealRow,
  changes: Record<string, unknown>,
): Promise<DealRow> {
  const written = await putEntity(db, 'crm_deals', row, context.now)
  await db.insert('crm_changes', [
    createChange(context, {
      action: 'deal.created',
      object: 'deal',
      objectId: row.id,
      contactId: row.contact_id,
      changes: { ...changes, pipelineId: row.pipeline_id, stageId: row.stage_id },
    }),
  ])
  return written
}

/**
 * Stores the next version of a changed deal with `deal.updated` (the fields in `changes`) and, when
 * its stage is no longer `fromStage`, `deal.stage_changed` `{ name, pipelineId, from, to, status }`.
 */
export async function writeDealUpdate(
  db: TenantDb,
  context: WriteContext,
  row: DealRow,
  fromStage: string,
  changes: Record<string, unknown>,
): Promise<DealRow> {
  const written = await putEntity(db, 'crm_deals', row, context.now)
  const audit = [
    createChange(context, {
      action: 'deal.updated',
      object: 'deal',
      objectId: row.id,
      contactId: row.contact_id,
      changes,
    }),
  ]
  if (row.stage_id !== fromStage) {
    audit.push(
      createChange(context, {
        action: 'deal.stage_changed',
        object: 'deal',
        objectId: row.id,
        contactId: row.contact_id,
        changes: {
          name: row.name,
          pipelineId: row.pipeline_id,
          from: fromStage,
          to: row.stage_id,
          status: row.status,
        },
      }),
    )
  }
  await db.insert('crm_changes', audit)
  return written
}
