/**
 * Deal endpoints. A deal sits in a stage of a pipeline; its status (`open`/`won`/`lost`),
 * probability and `closedAt` follow the stage (writes in `deal-store.ts`, shared with the feed's
 * deal rules). Moving a deal records `deal.stage_changed`, which shows on its contact's timeline.
 * Contact and company ids must exist in the caller's tenant.
 */
import { z } from 'zod'
import { createChange } from '../audit/create-change.js'
import { getContactRow } from '../contacts/contact-routes.js'
import type { CrmServices } from '../crm-services.js'
import { checkVersion, getEntity } from '../db/entity-store.js'
import type { TenantDb } from '../db/tenant-db.js'
import { putTenantSetting } from '../db/tenant-settings.js'
import { createCrmError } from '../errors.js'
import { decodeCursor, pageQuerySchema, pagingSchema, toPage } from '../http/cursor.js'
import { addArchiveRoute } from '../http/add-archive-route.js'
import type { Router } from '../http/create-router.js'
import { getIfMatch, toEtag } from '../http/get-if-match.js'
import { validateProperties } from '../properties/property-definitions.js'
import { dealSchema, toDeal, type DealRow } from './deal-row.js'
import { applyStage, createDealRow, getStage, writeDealUpdate, writeNewDeal } from './deal-store.js'
import { DEAL_RULES_SETTING, dealRulesSchema, getDealRules } from './deal-rules.js'
import { DEFAULT_PIPELINE_ID, getPipelineRow } from './pipeline-store.js'

const idParams = z.object({ id: z.string().min(1).max(64) })

const dealInputSchema = z.strictObject({
  name: z.string().min(1).max(300).optional(),
  /** Default: the `default` pipeline. */
  pipelineId: z.string().min(1).max(64).optional(),
  /** Default on create: the pipeline's first stage. */
  stageId: z.string().min(1).max(64).optional(),
  amountMinor: z.number().int().min(0).max(Number.MAX_SAFE_INTEGER).optional(),
  currency: z
    .string()
    .regex(/^[A-Z]{3}$/, 'must be an ISO 4217 code such as EUR')
    .optional(),
  /** The deal's contact; `""` takes the deal off its contact (it stays in its pipeline). */
  contactId: z.string().max(64).optional(),
  /** The deal's company; `""` takes the deal off its company. */
  companyId: z.string().max(64).optional(),
  expectedCloseDate: z.iso.date().nullable().optional(),
  lostReason: z.string().max(1000).optional(),
  properties: z.record(z.string(), z.unknown()).optional(),
})
type DealInput = z.infer<typeof dealInputSchema>

/** Checks the input's links and returns the contact id to store (a merged contact resolves to its survivor). */
async function checkLinks(db: TenantDb, input: DealInput): Promise<string | undefined> {
  await validateProperties(db, 'deal', input.properties)
  if (input.companyId) await getEntity(db, 'crm_companies', input.companyId, 'company', 'companyId')
  if (!input.contactId) return input.contactId
  try {
    return (await getContactRow(db, input.contactId)).id
  } catch {
    throw createCrmError('RASTRO_ERR_CRM_INVALID_INPUT', {
      message: `contactId: no contact ${input.contactId}`,
      field: 'contactId',
    })
  }
}

function applyInput(row: DealRow, input: DealInput, contactId: string | undefined): Record<string, unknown> {
  const changed: Record<string, unknown> = {}
  const set = <K extends keyof DealRow>(column: K, field: string, value: DealRow[K] | undefined) => {
    if (value !== undefined && value !== row[column]) {
      changed[field] = value
      row[column] = value
    }
  }
  set('name', 'name', input.name)
  set('amount_minor', 'amountMinor', input.amountMinor)
  set('currency', 'currency', input.currency)
  set('contact_id', 'contactId', contactId)
  set('company_id', 'companyId', input.companyId)
  set('lost_reason', 'lostReason', input.lostReason)
  if (input.expectedCloseDate !== undefined)
    set('expected_close_date', 'expectedCloseDate', input.expectedCloseDate)
  if (input.properties) {
    const properties = JSON.parse(row.properties || '{}') as Record<string, unknown>
    for (const [name, value] of Object.entries(input.properties)) {
      if (value === null) delete properties[name]
      else properties[name] = value
    }
    row.properties = JSON.stringify(properties)
    changed.properties = input.properties
  }
  return changed
}

export function addDealRoutes(router: Router, services: CrmServices): void {
  const { writer } = services

  router.add({
    method: 'GET',
    url: '/deals',
    scope: 'crm:read',
    tag: 'deals',
    summary: 'List deals, oldest first, optionally of one pipeline, stage, status, contact or company',
    query: pageQuerySchema.extend({
      pipelineId: z.string().max(64).optional(),
      stageId: z.string().max(64).optional(),
      status: z.enum(['open', 'won', 'lost']).optional(),
      contactId: z.string().max(64).optional(),
      companyId: z.string().max(64).optional(),
    }),
    response: z.object({ results: z.array(dealSchema), paging: pagingSchema }),
    handler: async ({ db, query }) => {
      const [after] = query.cursor ? decodeCursor(query.cursor, 1) : ['']
      const contactIds = query.contactId
        ? await getContactRow(db, query.contactId).then(
            (row) => [row.id, ...row.merged_ids],
            () => [query.contactId!],
          )
        : []
      const rows = await db.rows<DealRow>(
        `SELECT * EXCEPT tenant_id FROM crm_deals FINAL
         WHERE tenant_id = {tenant:String} AND id > {after:String}
           AND ({pipelineId:String} = '' OR pipeline_id = {pipelineId:String})
           AND ({stageId:String} = '' OR stage_id = {stageId:String})
           AND ({status:String} = '' OR status = {status:String})
           AND (empty({contactIds:Array(String)}) OR contact_id IN {contactIds:Array(String)})
           AND ({companyId:String} = '' OR company_id = {companyId:String})
         ORDER BY id LIMIT {limit:UInt32}`,
        {
          after,
          pipelineId: query.pipelineId ?? '',
          stageId: query.stageId ?? '',
          status: query.status ?? '',
          contactIds,
          companyId: query.companyId ?? '',
          limit: query.limit + 1,
        },
      )
      return toPage(rows, query.limit, (row) => [row.id], toDeal)
    },
  })

  router.add({
    method: 'POST',
    url: '/deals',
    scope: 'crm:write',
    tag: 'deals',
    summary: 'Create a deal',
    body: dealInputSchema.extend({ name: z.string().min(1).max(300) }),
    response: dealSchema,
    successStatus: 201,
    handler: async ({ db, body, request, reply, auth }) => {
      const contactId = await checkLinks(db, body)
      const stage = await getStage(db, body.pipelineId ?? DEFAULT_PIPELINE_ID, body.stageId)
      const context = services.getWriteContext(request, auth)
      const row = createDealRow(body.pipelineId ?? DEFAULT_PIPELINE_ID, context.now)
      const changes = applyInput(row, body, contactId)
      applyStage(row, stage, context.now)
      const written = await writer.run(db.tenantId, () => writeNewDeal(db, context, row, changes))
      reply.header('etag', toEtag(written.version))
      return toDeal(written)
    },
  })

  router.add({
    method: 'GET',
    url: '/deals/rules',
    scope: 'crm:read',
    tag: 'deals',
    summary: 'The deal rules: which events open deals and win them (the defaults until set)',
    response: dealRulesSchema,
    handler: ({ db }) => getDealRules(db),
  })

  router.add({
    method: 'PUT',
    url: '/deals/rules',
    scope: 'crm:admin',
    tag: 'deals',
    summary: 'Set the deal rules (applied to events accepted from now on)',
    body: dealRulesSchema,
    response: dealRulesSchema,
    handler: async ({ db, body, request, auth }) => {
      await getPipelineRow(db, body.pipelineId, 'pipelineId')
      await writer.run(db.tenantId, async () => {
        await putTenantSetting(db, DEAL_RULES_SETTING, body)
        await db.insert('crm_changes', [
          createChange(services.getWriteContext(request, auth), {
            action: 'deal_rules.set',
            object: 'settings',
            objectId: DEAL_RULES_SETTING,
            changes: body,
          }),
        ])
      })
      return body
    },
  })

  router.add({
    method: 'GET',
    url: '/deals/:id',
    scope: 'crm:read',
    tag: 'deals',
    summary: 'Read a deal',
    params: idParams,
    response: dealSchema,
    handler: async ({ db, params, reply }) => {
      const row = await getEntity<DealRow>(db, 'crm_deals', params.id, 'deal')
      reply.header('etag', toEtag(row.version))
      return toDeal(row)
    },
  })

  router.add({
    method: 'PATCH',
    url: '/deals/:id',
    scope: 'crm:write',
    tag: 'deals',
    summary: 'Update a deal or move it to another stage',
    params: idParams,
    headers: [{ name: 'If-Match', description: 'Expected version (optimistic concurrency).' }],
    body: dealInputSchema,
    response: dealSchema,
    handler: async ({ db, params, body, request, reply, auth }) => {
      const expected = getIfMatch(request)
      const contactId = await checkLinks(db, body)
      const context = services.getWriteContext(request, auth)
      const written = await writer.run(db.tenantId, async () => {
        const row = await getEntity<DealRow>(db, 'crm_deals', params.id, 'deal')
        checkVersion(row, expected, 'deal')
        const fromStage = row.stage_id
        const pipelineId = body.pipelineId ?? row.pipeline_id
        const changes = applyInput(row, body, contactId)
        if (body.stageId !== undefined || pipelineId !== row.pipeline_id) {
          const stage = await getStage(db, pipelineId, body.stageId)
          row.pipeline_id = pipelineId
          applyStage(row, stage, context.now)
        }
        return writeDealUpdate(db, context, row, fromStage, changes)
      })
      reply.header('etag', toEtag(written.version))
      return toDeal(written)
    },
  })

  addArchiveRoute(router, services, {
    url: '/deals/:id',
    tag: 'deals',
    summary: 'Delete (archive) a deal',
    table: 'crm_deals',
    object: 'deal',
  })
}
