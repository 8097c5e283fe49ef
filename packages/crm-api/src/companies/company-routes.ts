/**
 * Company endpoints: CRUD with `If-Match`, and batch upsert (≤ 100) keyed by domain, so an
 * integration can send the same company again without duplicating it.
 */
import { z } from 'zod'
import { createChange } from '../audit/create-change.js'
import type { CrmServices } from '../crm-services.js'
import { toClickHouseTime, toIsoTime } from '../db/clickhouse-time.js'
import { createId } from '../db/create-id.js'
import { checkVersion, getEntity, putEntity, type EntityRow } from '../db/entity-store.js'
import type { TenantDb } from '../db/tenant-db.js'
import { createCrmError } from '../errors.js'
import { decodeCursor, pageQuerySchema, pagingSchema, toPage } from '../http/cursor.js'
import { addArchiveRoute } from '../http/add-archive-route.js'
import type { Router } from '../http/create-router.js'
import { getIfMatch, toEtag } from '../http/get-if-match.js'
import { validateProperties } from '../properties/property-definitions.js'

interface CompanyRow extends EntityRow {
  name: string
  domain: string
  properties: string
  created_at: string
  updated_at: string
}

const companySchema = z.object({
  id: z.string(),
  version: z.number().int(),
  name: z.string(),
  /** Lower-case host name (`acme.com`); unique among companies of the tenant when set through upsert. */
  domain: z.string(),
  properties: z.record(z.string(), z.unknown()),
  createdAt: z.string(),
  updatedAt: z.string(),
})

const companyInputSchema = z.strictObject({
  name: z.string().min(1).max(300).optional(),
  domain: z.string().max(253).optional(),
  properties: z.record(z.string(), z.unknown()).optional(),
})
type CompanyInput = z.infer<typeof companyInputSchema>

const idParams = z.object({ id: z.string().min(1).max(64) })

function toCompany(row: CompanyRow) {
  return {
    id: row.id,
    version: row.version,
    name: row.name,
    domain: row.domain,
    properties: JSON.parse(row.properties || '{}') as Record<string, unknown>,
    createdAt: toIsoTime(row.created_at),
    updatedAt: toIsoTime(row.updated_at),
  }
}

/** `https://www.Acme.com/x` → `acme.com`. */
function normaliseDomain(domain: string, field: string): string {
  const host = domain
    .trim()
    .toLowerCase()
    .replace(/^[a-z]+:\/\//, '')
    .split(/[/?#]/)[0]!
    .replace(/^www\./, '')
  if (!/^[a-z0-9-]+(\.[a-z0-9-]+)+$/.test(host)) {
    throw createCrmError('RASTRO_ERR_CRM_INVALID_INPUT', { message: `${field}: not a domain name`, field })
  }
  return host
}

function applyInput(row: CompanyRow, input: CompanyInput, prefix: string): Record<string, unknown> {
  const changed: Record<string, unknown> = {}
  if (input.name !== undefined && input.name !== row.name) changed.name = row.name = input.name
  if (input.domain !== undefined) {
    const domain = input.domain === '' ? '' : normaliseDomain(input.domain, `${prefix}domain`)
    if (domain !== row.domain) changed.domain = row.domain = domain
  }
  if (input.properties) {
    const properties = JSON.parse(row.properties || '{}') as Record<string, unknown>
    for (const [name, value] of Object.entries(input.properties)) {
      if (value === null) delete properties[name]
      else properties[name] = value
    }
    changed.properties = input.properties
    row.properties = JSON.stringify(properties)
  }
  return changed
}

function createRow(now: number): CompanyRow {
  const at = toClickHouseTime(now)
  return {
    id: createId(now),
    version: 0,
    is_deleted: 0,
    name: '',
    domain: '',
    properties: '{}',
    created_at: at,
    updated_at: at,
  }
}

export function addCompanyRoutes(router: Router, services: CrmServices): void {
  const { writer } = services

  router.add({
    method: 'GET',
    url: '/companies',
    scope: 'crm:read',
    tag: 'companies',
    summary: 'List companies, oldest first',
    query: pageQuerySchema,
    response: z.object({ results: z.array(companySchema), paging: pagingSchema }),
    handler: async ({ db, query }) => {
      const [after] = query.cursor ? decodeCursor(query.cursor, 1) : ['']
      const rows = await db.rows<CompanyRow>(
        `SELECT * EXCEPT tenant_id FROM crm_companies FINAL WHERE tenant_id = {tenant:String} AND id > {after:String}
         ORDER BY id LIMIT {limit:UInt32}`,
        { after, limit: query.limit + 1 },
      )
      return toPage(
        rows,
        query.limit,
        (row) => [row.id],
        (row) => toCompany({ ...row, version: Number(row.version) }),
      )
    },
  })

  router.add({
    method: 'POST',
    url: '/companies',
    scope: 'crm:write',
    tag: 'companies',
    summary: 'Create a company',
    body: companyInputSchema.extend({ name: z.string().min(1).max(300) }),
    response: companySchema,
    successStatus: 201,
    handler: async ({ db, body, request, reply, auth }) => {
      await validateProperties(db, 'company', body.properties)
      const context = services.getWriteContext(request, auth)
      const row = createRow(context.now)
      const changes = applyInput(row, body, '')
      const written = await writer.run(db.tenantId, async () => {
        const result = await putEntity(db, 'crm_companies', row, context.now)
        await db.insert('crm_changes', [
          createChange(context, { action: 'company.created', object: 'company', objectId: row.id, changes }),
        ])
        return result
      })
      reply.header('etag', toEtag(written.version))
      return toCompany(written)
    },
  })

  router.add({
    method: 'GET',
    url: '/companies/:id',
    scope: 'crm:read',
    tag: 'companies',
    summary: 'Read a company',
    params: idParams,
    response: companySchema,
    handler: async ({ db, params, reply }) => {
      const row = await getEntity<CompanyRow>(db, 'crm_companies', params.id, 'company')
      reply.header('etag', toEtag(row.version))
      return toCompany(row)
    },
  })

  router.add({
    method: 'PATCH',
    url: '/companies/:id',
    scope: 'crm:write',
    tag: 'companies',
    summary: 'Update a company',
    params: idParams,
    body: companyInputSchema,
    headers: [{ name: 'If-Match', description: 'Expected version (optimistic concurrency).' }],
    response: companySchema,
    handler: async ({ db, params, body, request, reply, auth }) => {
      const expected = getIfMatch(request)
      await validateProperties(db, 'company', body.properties)
      const context = services.getWriteContext(request, auth)
      const written = await writer.run(db.tenantId, async () => {
        const row = await getEntity<CompanyRow>(db, 'crm_companies', params.id, 'company')
        checkVersion(row, expected, 'company')
        const changes = applyInput(row, body, '')
        const result = await putEntity(db, 'crm_companies', row, context.now)
        await db.insert('crm_changes', [
          createChange(context, { action: 'company.updated', object: 'company', objectId: row.id, changes }),
        ])
        return result
      })
      reply.header('etag', toEtag(written.version))
      return toCompany(written)
    },
  })

  addArchiveRoute(router, services, {
    url: '/companies/:id',
    tag: 'companies',
    summary: 'Delete (archive) a company',
    table: 'crm_companies',
    object: 'company',
  })

  async function findByDomains(db: TenantDb, domains: string[]): Promise<Map<string, CompanyRow>> {
    const rows = await db.rows<CompanyRow>(
      `SELECT * EXCEPT tenant_id FROM crm_companies FINAL WHERE tenant_id = {tenant:String} AND domain IN {domains:Array(String)}
       ORDER BY id`,
      { domains },
    )
    const byDomain = new Map<string, CompanyRow>()
    for (const row of rows)
      if (!byDomain.has(row.domain)) byDomain.set(row.domain, { ...row, version: Number(row.version) })
    return byDomain
  }

  router.add({
    method: 'POST',
    url: '/companies/batch/upsert',
    scope: 'crm:write',
    tag: 'companies',
    summary: 'Upsert up to 100 companies keyed by domain',
    body: z.strictObject({
      inputs: z
        .array(companyInputSchema.extend({ domain: z.string().min(1).max(253) }))
        .min(1)
        .max(100),
    }),
    response: z.object({
      results: z.array(z.object({ id: z.string(), created: z.boolean(), company: companySchema })),
    }),
    handler: async ({ db, body, request, auth }) => {
      const domains = body.inputs.map((input, i) => normaliseDomain(input.domain, `inputs.${i}.domain`))
      for (const [i, input] of body.inputs.entries())
        await validateProperties(db, 'company', input.properties, `inputs.${i}.properties`)
      const context = services.getWriteContext(request, auth)
      return writer.run(db.tenantId, async () => {
        const existing = await findByDomains(db, domains)
        const results = new Map<
          string,
          { row: CompanyRow; created: boolean; changes: Record<string, unknown> }
        >()
        for (const [i, input] of body.inputs.entries()) {
          const domain = domains[i]!
          const known = results.get(domain)
          const row = known?.row ?? existing.get(domain) ?? createRow(context.now)
          const created = known?.created ?? !existing.has(domain)
          const changes = { ...known?.changes, ...applyInput(row, { ...input, domain }, `inputs.${i}.`) }
          results.set(domain, { row, created, changes })
        }
        const written: { row: CompanyRow; created: boolean }[] = []
        for (const { row, created, changes } of results.values()) {
          written.push({ row: await putEntity(db, 'crm_companies', row, context.now), created })
          await db.insert('crm_changes', [
            createChange(context, {
              action: created ? 'company.created' : 'company.updated',
              object: 'company',
              objectId: row.id,
              changes,
            }),
          ])
        }
        return {
          results: domains.map((domain) => {
            const { row, created } = written.find((entry) => entry.row.domain === domain)!
            return { id: row.id, created, company: toCompany(row) }
          }),
        }
      })
    },
  })
}
