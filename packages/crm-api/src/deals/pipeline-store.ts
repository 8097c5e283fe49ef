/**
 * Pipelines and their stages (HubSpot: several pipelines per object, each stage with a display
 * order and a win probability; Pipedrive: deals open/won/lost). Every tenant has the pipeline
 * `default` with the stages new → contacted → qualified → demo → proposal → negotiation → won /
 * lost; until someone edits it, it is not stored and reads answer it as built in.
 */
import { z } from 'zod'
import { toClickHouseTime, toIsoTime, toNumber } from '../db/clickhouse-time.js'
import type { EntityRow } from '../db/entity-store.js'
import type { TenantDb } from '../db/tenant-db.js'
import { createCrmError } from '../errors.js'

export const stageSchema = z.strictObject({
  /** Stable id, used by deals (`qualified`). */
  id: z.string().regex(/^[a-z0-9][a-z0-9_-]{0,63}$/i, 'must be 1-64 letters, digits, "-" or "_"'),
  name: z.string().min(1).max(100),
  /** Chance a deal in this stage is won, 0-1 (weights the board's amounts). */
  probability: z.number().min(0).max(1),
  /** Deals here are won (closed). */
  isWon: z.boolean().default(false),
  /** Deals here are lost (closed). */
  isLost: z.boolean().default(false),
})
export type Stage = z.output<typeof stageSchema>

export const pipelineSchema = z.object({
  id: z.string(),
  version: z.number().int(),
  name: z.string(),
  displayOrder: z.number().int(),
  /** In board order. */
  stages: z.array(stageSchema),
  createdAt: z.string(),
  updatedAt: z.string(),
})
export type Pipeline = z.infer<typeof pipelineSchema>

export interface PipelineRow extends EntityRow {
  name: string
  display_order: number
  stages: string
  created_at: string
  updated_at: string
}

/** Default stages and win probabilities (a common B2B ladder; edit the pipeline to change them). */
export const DEFAULT_STAGES: Stage[] = [
  { id: 'new', name: 'New', probability: 0.05, isWon: false, isLost: false },
  { id: 'contacted', name: 'Contacted', probability: 0.1, isWon: false, isLost: false },
  { id: 'qualified', name: 'Qualified', probability: 0.2, isWon: false, isLost: false },
  { id: 'demo', name: 'Demo', probability: 0.4, isWon: false, isLost: false },
  { id: 'proposal', name: 'Proposal', probability: 0.6, isWon: false, isLost: false },
  { id: 'negotiation', name: 'Negotiation', probability: 0.8, isWon: false, isLost: false },
  { id: 'won', name: 'Won', probability: 1, isWon: true, isLost: false },
  { id: 'lost', name: 'Lost', probability: 0, isWon: false, isLost: true },
]

export const DEFAULT_PIPELINE_ID = 'default'

/** The built-in default pipeline row (version 0: not stored yet). */
export function createDefaultPipelineRow(): PipelineRow {
  const at = toClickHouseTime(0)
  return {
    id: DEFAULT_PIPELINE_ID,
    version: 0,
    is_deleted: 0,
    name: 'Sales',
    display_order: 0,
    stages: JSON.stringify(DEFAULT_STAGES),
    created_at: at,
    updated_at: at,
  }
}

export function toPipeline(row: PipelineRow): Pipeline {
  return {
    id: row.id,
    version: toNumber(row.version),
    name: row.name,
    displayOrder: toNumber(row.display_order),
    stages: JSON.parse(row.stages) as Stage[],
    createdAt: toIsoTime(row.created_at),
    updatedAt: toIsoTime(row.updated_at),
  }
}

/** Every pipeline of the tenant, the default one included, in display order. */
export async function listPipelineRows(db: TenantDb): Promise<PipelineRow[]> {
  const rows = await db.rows<PipelineRow>(
    `SELECT * EXCEPT tenant_id FROM crm_pipelines FINAL WHERE tenant_id = {tenant:String} ORDER BY display_order, id`,
  )
  const all = rows.map((row) => ({ ...row, version: toNumber(row.version) }))
  if (!all.some((row) => row.id === DEFAULT_PIPELINE_ID)) all.unshift(createDefaultPipelineRow())
  return all
}

/** The pipeline `id` (the default one even when not stored). @throws CrmError 404, or 400 naming `field`. */
export async function getPipelineRow(db: TenantDb, id: string, field?: string): Promise<PipelineRow> {
  const [row] = await db.rows<PipelineRow>(
    `SELECT * EXCEPT tenant_id FROM crm_pipelines FINAL WHERE tenant_id = {tenant:String} AND id = {id:String}`,
    { id },
  )
  if (row) return { ...row, version: toNumber(row.version) }
  if (id === DEFAULT_PIPELINE_ID) return createDefaultPipelineRow()
  throw field
    ? createCrmError('RASTRO_ERR_CRM_INVALID_INPUT', { message: `${field}: no pipeline ${id}`, field })
    : createCrmError('RASTRO_ERR_CRM_NOT_FOUND', { message: `no pipeline ${id}` })
}

/** Checks stage ids are unique and at most one kind of close per stage. @throws CrmError 400 naming `stages`. */
export function validateStages(stages: Stage[]): void {
  const seen = new Set<string>()
  stages.forEach((stage, i) => {
    if (seen.has(stage.id)) {
      throw createCrmError('RASTRO_ERR_CRM_INVALID_INPUT', {
        message: `stages.${i}.id: "${stage.id}" repeats`,
        field: `stages.${i}.id`,
      })
    }
    if (stage.isWon && stage.isLost) {
      throw createCrmError('RASTRO_ERR_CRM_INVALID_INPUT', {
        message: `stages.${i}: won or lost, not both`,
        field: `stages.${i}`,
      })
    }
    seen.add(stage.id)
  })
}
