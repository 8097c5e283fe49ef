/**
 * Pipeline endpoints (list, create, edit: `crm:admin` for changes) and the board: per stage, its
 * deal count, amounts per currency (plain and weighted by the stage's probability) and the most
 * recently updated deals.
 */
import { z } from 'zod'
import { createChange } from '../audit/create-change.js'
import type { CrmServices } from '../crm-services.js'
import { toClickHouseTime, toNumber } from '../db/clickhouse-time.js'
import { createId } from '../db/create-id.js'
import { checkVersion, putEntity } from '../db/entity-store.js'
import { createCrmError } from '../errors.js'
import type { Router } from '../http/create-router.js'
import { getIfMatch, toEtag } from '../http/get-if-match.js'
import { dealSchema, toDeal, type DealRow } from './deal-row.js'
import {
  getPipelineRow,
  listPipelineRows,
  pipelineSchema,
  stageSchema,
  toPipeline,
  validateStages,
  type Stage,
} from './pipeline-store.js'

const idParams = z.object({ id: z.string().min(1).max(64) })

export function addPipelineRoutes(router: Router, services: CrmServices): void {
  const { writer } = services

  router.add({
    method: 'GET',
    url: '/pipelines',
    scope: 'crm:read',
    tag: 'deals',
    summary: 'List deal pipelines (the default one included)',
    response: z.object({ results: z.array(pipelineSchema) }),
    handler: async ({ db }) => ({ results: (await listPipelineRows(db)).map(toPipeline) }),
  })

  router.add({
    method: 'POST',
    url: '/pipelines',
    scope: 'crm:admin',
    tag: 'deals',
    summary: 'Create a pipeline',
    body: z.strictObject({
      name: z.string().min(1).max(100),
      displayOrder: z.number().int().min(0).max(10_000).default(1),
      stages: z.array(stageSchema).min(1).max(50),
    }),
    response: pipelineSchema,
    successStatus: 201,
    handler: async ({ db, body, request, auth }) => {
      validateStages(body.stages)
      const context = services.getWriteContext(request, auth)
      const at = toClickHouseTime(context.now)
      const row = await writer.run(db.tenantId, async () => {
        const written = await putEntity(
          db,
          'crm_pipelines',
          {
            id: createId(context.now),
            version: 0,
            is_deleted: 0,
            name: body.name,
            display_order: body.displayOrder,
            stages: JSON.stringify(body.stages),
            created_at: at,
            updated_at: at,
          },
          context.now,
        )
        await db.insert('crm_changes', [
          createChange(context, {
            action: 'pipeline.created',
            object: 'pipeline',
            objectId: written.id,
            changes: body,
          }),
        ])
        return written
      })
      return toPipeline(row)
    },
  })

  router.add({
    method: 'GET',
    url: '/pipelines/:id',
    scope: 'crm:read',
    tag: 'deals',
    summary: 'Read a pipeline',
    params: idParams,
    response: pipelineSchema,
    handler: async ({ db, params, reply }) => {
      const row = await getPipelineRow(db, params.id)
      reply.header('etag', toEtag(row.version))
      return toPipeline(row)
    },
  })

  router.add({
    method: 'PATCH',
    url: '/pipelines/:id',
    scope: 'crm:admin',
    tag: 'deals',
    summary: 'Rename a pipeline or change its stages',
    description: 'A stage that deals are in cannot be removed (409).',
    params: idParams,
    headers: [{ name: 'If-Match', description: 'Expected version (optimistic concurrency).' }],
    body: z.strictObject({
      name: z.string().min(1).max(100).optional(),
      displayOrder: z.number().int().min(0).max(10_000).optional(),
      stages: z.array(stageSchema).min(1).max(50).optional(),
    }),
    response: pipelineSchema,
    handler: async ({ db, params, body, request, reply, auth }) => {
      const expected = getIfMatch(request)
      if (body.stages) validateStages(body.stages)
      const context = services.getWriteContext(request, auth)
      const row = await writer.run(db.tenantId, async () => {
        const current = await getPipelineRow(db, params.id)
        checkVersion(current, expected, 'pipeline')
        if (body.stages) {
          const kept = new Set(body.stages.map((stage) => stage.id))
          const used = await db.rows<{ stage_id: string }>(
            `SELECT DISTINCT stage_id FROM crm_deals FINAL WHERE tenant_id = {tenant:String} AND pipeline_id = {id:String}`,
            { id: params.id },
          )
          const orphaned = used.find((deal) => !kept.has(deal.stage_id))
          if (orphaned) {
            throw createCrmError('RASTRO_ERR_CRM_CONFLICT', {
              message: `deals are in stage "${orphaned.stage_id}"; move them before removing it`,
              field: 'stages',
            })
          }
        }
        const written = await putEntity(
          db,
          'crm_pipelines',
          {
            ...current,
            name: body.name ?? current.name,
            display_order: body.displayOrder ?? toNumber(current.display_order),
            stages: body.stages ? JSON.stringify(body.stages) : current.stages,
            created_at: current.version === 0 ? toClickHouseTime(context.now) : current.created_at,
          },
          context.now,
        )
        await db.insert('crm_changes', [
          createChange(context, {
            action: 'pipeline.updated',
            object: 'pipeline',
            objectId: params.id,
            changes: body,
          }),
        ])
        return written
      })
      reply.header('etag', toEtag(row.version))
      return toPipeline(row)
    },
  })

  router.add({
    method: 'GET',
    url: '/pipelines/:id/board',
    scope: 'crm:read',
    tag: 'deals',
    summary: 'The pipeline board: counts, amounts and top deals per stage',
    params: idParams,
    query: z.object({ dealsPerStage: z.coerce.number().int().min(0).max(100).default(20) }),
    response: z.object({
      pipeline: pipelineSchema,
      stages: z.array(
        z.object({
          stage: stageSchema,
          count: z.number().int(),
          /** Sums per currency, in minor units. */
          amounts: z.array(
            z.object({ currency: z.string(), amountMinor: z.number(), weightedAmountMinor: z.number() }),
          ),
          deals: z.array(dealSchema),
        }),
      ),
    }),
    handler: async ({ db, params, query }) => {
      const pipeline = toPipeline(await getPipelineRow(db, params.id))
      const [totals, deals] = await Promise.all([
        db.rows<{
          stage_id: string
          currency: string
          count: string | number
          amount: string | number
          weighted: string | number
        }>(
          `SELECT stage_id, currency, count() AS count, sum(amount_minor) AS amount, sum(amount_minor * probability) AS weighted
           FROM crm_deals FINAL WHERE tenant_id = {tenant:String} AND pipeline_id = {id:String}
           GROUP BY stage_id, currency`,
          { id: params.id },
        ),
        db.rows<DealRow>(
          `SELECT * EXCEPT tenant_id FROM crm_deals FINAL WHERE tenant_id = {tenant:String} AND pipeline_id = {id:String}
           ORDER BY updated_at DESC, id DESC LIMIT {perStage:UInt32} BY stage_id`,
          { id: params.id, perStage: query.dealsPerStage },
        ),
      ])
      return {
        pipeline,
        stages: pipeline.stages.map((stage: Stage) => {
          const rows = totals.filter((row) => row.stage_id === stage.id)
          return {
            stage,
            count: rows.reduce((sum, row) => sum + toNumber(row.count), 0),
            amounts: rows
              .filter((row) => row.currency !== '')
              .map((row) => ({
                currency: row.currency,
                amountMinor: toNumber(row.amount),
                weightedAmountMinor: Math.round(toNumber(row.weighted)),
              })),
            deals: deals.filter((deal) => deal.stage_id === stage.id).map(toDeal),
          }
        }),
      }
    },
  })
}
