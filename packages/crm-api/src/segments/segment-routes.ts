/**
 * Saved segments (dynamic filters over contacts, re-evaluated on every read) with their count,
 * members and a CSV export; customer value per contact (RFM, lifecycle, CLV) and the tenant's RFM
 * summary. Segment filters may use the value fields: orders, revenue, recencyDays, r, f, m,
 * rfmSegment, lifecycle, clv.
 */
import { z } from 'zod'
import { createChange } from '../audit/create-change.js'
import { getContactRow } from '../contacts/contact-routes.js'
import { contactSchema, type Contact } from '../contacts/contact-row.js'
import {
  countContacts,
  eachContact,
  searchContacts,
  type SearchExtension,
} from '../contacts/search-contacts.js'
import type { CrmServices } from '../crm-services.js'
import { toClickHouseTime, toIsoTime, toNumber } from '../db/clickhouse-time.js'
import { createId } from '../db/create-id.js'
import { checkVersion, getEntity, putEntity, type EntityRow } from '../db/entity-store.js'
import type { TenantDb } from '../db/tenant-db.js'
import { putTenantSetting } from '../db/tenant-settings.js'
import { pageQuerySchema, pagingSchema } from '../http/cursor.js'
import type { Router } from '../http/create-router.js'
import { filterGroupsSchema, type FilterGroups } from '../http/filter-sql.js'
import { getIfMatch, toEtag } from '../http/get-if-match.js'
import { toCsv } from './to-csv.js'
import {
  CONTACT_VALUE_SQL,
  getValueModel,
  getValueParams,
  VALUE_SETTING,
  valueModelSchema,
  type ContactValueRow,
} from './value-sql.js'

interface SegmentRow extends EntityRow {
  name: string
  filter: string
  created_at: string
  updated_at: string
}

const segmentInputSchema = z.strictObject({
  name: z.string().min(1).max(200),
  filterGroups: filterGroupsSchema,
  /** Free text over email, name and phone. */
  query: z.string().max(200).optional(),
})
type SegmentFilter = Omit<z.infer<typeof segmentInputSchema>, 'name'>

const segmentSchema = z.object({
  id: z.string(),
  version: z.number().int(),
  name: z.string(),
  filterGroups: filterGroupsSchema,
  query: z.string().optional(),
  createdAt: z.string(),
  updatedAt: z.string(),
})

const valueSchema = z.object({
  contactId: z.string(),
  orders: z.number().int(),
  /** Major units, orders in the value window. */
  revenue: z.number(),
  recencyDays: z.number().int().nullable(),
  r: z.number().int().nullable(),
  f: z.number().int().nullable(),
  m: z.number().int().nullable(),
  rfmSegment: z.string().nullable(),
  /** vip, lapsed, new, recurring, one_time or prospect (no orders). */
  lifecycle: z.string(),
  clvHistorical: z.number(),
  clvProjected: z.number(),
})

const VALUE_FIELDS = ['orders', 'revenue', 'recencyDays', 'r', 'f', 'm', 'rfmSegment', 'lifecycle', 'clv']

function toSegment(row: SegmentRow) {
  const filter = JSON.parse(row.filter) as SegmentFilter
  return {
    id: row.id,
    version: toNumber(row.version),
    name: row.name,
    filterGroups: filter.filterGroups,
    ...(filter.query ? { query: filter.query } : {}),
    createdAt: toIsoTime(row.created_at),
    updatedAt: toIsoTime(row.updated_at),
  }
}

/** The join that adds value fields, when the filter uses one. */
async function getExtension(db: TenantDb, filterGroups: FilterGroups): Promise<SearchExtension | undefined> {
  const used = filterGroups.some((group) =>
    group.filters.some((filter) => VALUE_FIELDS.includes(filter.propertyName)),
  )
  if (!used) return undefined
  return {
    with: `contact_value AS ${CONTACT_VALUE_SQL}`,
    join: 'LEFT JOIN contact_value AS v ON v.contact_id = c.id',
    params: getValueParams(await getValueModel(db)),
    fields: {
      orders: { sql: 'v.orders', type: 'number' },
      revenue: { sql: 'v.revenue', type: 'number' },
      recencyDays: { sql: 'v.recency_days', type: 'number', exists: "v.contact_id != ''" },
      r: { sql: 'v.r', type: 'number' },
      f: { sql: 'v.f', type: 'number' },
      m: { sql: 'v.m', type: 'number' },
      rfmSegment: { sql: 'v.rfm_segment', type: 'string' },
      lifecycle: { sql: "if(v.contact_id = '', 'prospect', v.lifecycle)", type: 'string' },
      clv: { sql: 'v.clv_historical', type: 'number' },
    },
  }
}

function toValue(contactId: string, row: ContactValueRow | undefined): z.infer<typeof valueSchema> {
  if (!row) {
    return {
      contactId,
      orders: 0,
      revenue: 0,
      recencyDays: null,
      r: null,
      f: null,
      m: null,
      rfmSegment: null,
      lifecycle: 'prospect',
      clvHistorical: 0,
      clvProjected: 0,
    }
  }
  return {
    contactId,
    orders: toNumber(row.orders),
    revenue: toNumber(row.revenue),
    recencyDays: toNumber(row.recency_days),
    r: toNumber(row.r),
    f: toNumber(row.f),
    m: toNumber(row.m),
    rfmSegment: row.rfm_segment,
    lifecycle: row.lifecycle,
    clvHistorical: toNumber(row.clv_historical),
    clvProjected: toNumber(row.clv_projected),
  }
}

export function addSegmentRoutes(router: Router, services: CrmServices): void {
  const { writer } = services
  const idParams = z.object({ id: z.string().min(1).max(64) })

  async function getFilter(db: TenantDb, id: string) {
    const row = await getEntity<SegmentRow>(db, 'crm_segments', id, 'segment')
    const filter = JSON.parse(row.filter) as SegmentFilter
    return { row, filter, extension: await getExtension(db, filter.filterGroups) }
  }

  router.add({
    method: 'GET',
    url: '/segments',
    scope: 'crm:read',
    tag: 'segments',
    summary: 'List saved segments',
    response: z.object({ results: z.array(segmentSchema) }),
    handler: async ({ db }) => ({
      results: (
        await db.rows<SegmentRow>(
          `SELECT * EXCEPT tenant_id FROM crm_segments FINAL WHERE tenant_id = {tenant:String} ORDER BY id`,
        )
      ).map(toSegment),
    }),
  })

  router.add({
    method: 'POST',
    url: '/segments',
    scope: 'crm:write',
    tag: 'segments',
    summary: 'Save a segment (a dynamic filter over contacts)',
    body: segmentInputSchema,
    response: segmentSchema.extend({ count: z.number().int() }),
    successStatus: 201,
    handler: async ({ db, body, request, auth }) => {
      const filter: SegmentFilter = {
        filterGroups: body.filterGroups,
        ...(body.query ? { query: body.query } : {}),
      }
      // Counting first checks every property and value of the filter.
      const count = await countContacts(
        db,
        { ...filter, sorts: [] },
        await getExtension(db, filter.filterGroups),
      )
      const context = services.getWriteContext(request, auth)
      const at = toClickHouseTime(context.now)
      const row = await putEntity<SegmentRow>(
        db,
        'crm_segments',
        {
          id: createId(context.now),
          version: 0,
          is_deleted: 0,
          name: body.name,
          filter: JSON.stringify(filter),
          created_at: at,
          updated_at: at,
        },
        context.now,
      )
      await db.insert('crm_changes', [
        createChange(context, {
          action: 'segment.created',
          object: 'segment',
          objectId: row.id,
          changes: body,
        }),
      ])
      return { ...toSegment(row), count }
    },
  })

  router.add({
    method: 'GET',
    url: '/segments/rfm',
    scope: 'crm:read',
    tag: 'segments',
    summary: 'Customers and revenue per RFM segment and per lifecycle stage',
    response: z.object({
      customers: z.number().int(),
      revenue: z.number(),
      segments: z.array(
        z.object({
          segment: z.string(),
          customers: z.number().int(),
          revenue: z.number(),
          revenueShare: z.number(),
        }),
      ),
      lifecycle: z.array(z.object({ lifecycle: z.string(), customers: z.number().int() })),
    }),
    handler: async ({ db }) => {
      const params = getValueParams(await getValueModel(db))
      const rows = await db.rows<{ kind: string; name: string; customers: string | number; revenue: number }>(
        `WITH contact_value AS ${CONTACT_VALUE_SQL}
         SELECT 'segment' AS kind, rfm_segment AS name, count() AS customers, round(sum(revenue), 2) AS revenue FROM contact_value GROUP BY name
         UNION ALL
         SELECT 'lifecycle' AS kind, lifecycle AS name, count() AS customers, round(sum(revenue), 2) AS revenue FROM contact_value GROUP BY name`,
        params,
      )
      const segments = rows.filter((row) => row.kind === 'segment')
      const customers = segments.reduce((sum, row) => sum + toNumber(row.customers), 0)
      const revenue = segments.reduce((sum, row) => sum + toNumber(row.revenue), 0)
      return {
        customers,
        revenue: Math.round(revenue * 100) / 100,
        segments: segments
          .map((row) => ({
            segment: row.name,
            customers: toNumber(row.customers),
            revenue: toNumber(row.revenue),
            revenueShare: revenue > 0 ? Math.round((toNumber(row.revenue) / revenue) * 1000) / 1000 : 0,
          }))
          .sort((a, b) => b.revenue - a.revenue),
        lifecycle: rows
          .filter((row) => row.kind === 'lifecycle')
          .map((row) => ({ lifecycle: row.name, customers: toNumber(row.customers) }))
          .sort((a, b) => b.customers - a.customers),
      }
    },
  })

  router.add({
    method: 'GET',
    url: '/segments/value-model',
    scope: 'crm:read',
    tag: 'segments',
    summary: 'The value model (order events, window, margin, lifespan)',
    response: valueModelSchema,
    handler: ({ db }) => getValueModel(db),
  })

  router.add({
    method: 'PUT',
    url: '/segments/value-model',
    scope: 'crm:admin',
    tag: 'segments',
    summary: 'Set the value model',
    body: valueModelSchema,
    response: valueModelSchema,
    handler: async ({ db, body, request, auth }) => {
      await putTenantSetting(db, VALUE_SETTING, body)
      await db.insert('crm_changes', [
        createChange(services.getWriteContext(request, auth), {
          action: 'value_model.set',
          object: 'settings',
          objectId: VALUE_SETTING,
          changes: body,
        }),
      ])
      return body
    },
  })

  router.add({
    method: 'GET',
    url: '/segments/:id',
    scope: 'crm:read',
    tag: 'segments',
    summary: 'Read a segment with its current count',
    params: idParams,
    response: segmentSchema.extend({ count: z.number().int() }),
    handler: async ({ db, params, reply }) => {
      const { row, filter, extension } = await getFilter(db, params.id)
      reply.header('etag', toEtag(row.version))
      return { ...toSegment(row), count: await countContacts(db, { ...filter, sorts: [] }, extension) }
    },
  })

  router.add({
    method: 'PATCH',
    url: '/segments/:id',
    scope: 'crm:write',
    tag: 'segments',
    summary: 'Rename a segment or change its filter',
    params: idParams,
    headers: [{ name: 'If-Match', description: 'Expected version (optimistic concurrency).' }],
    body: segmentInputSchema.partial(),
    response: segmentSchema,
    handler: async ({ db, params, body, request, reply, auth }) => {
      const expected = getIfMatch(request)
      const context = services.getWriteContext(request, auth)
      const written = await writer.run(db.tenantId, async () => {
        const { row, filter } = await getFilter(db, params.id)
        checkVersion(row, expected, 'segment')
        const next: SegmentFilter = {
          filterGroups: body.filterGroups ?? filter.filterGroups,
          ...((body.query ?? filter.query) ? { query: body.query ?? filter.query } : {}),
        }
        await countContacts(db, { ...next, sorts: [] }, await getExtension(db, next.filterGroups))
        const result = await putEntity(
          db,
          'crm_segments',
          { ...row, name: body.name ?? row.name, filter: JSON.stringify(next) },
          context.now,
        )
        await db.insert('crm_changes', [
          createChange(context, {
            action: 'segment.updated',
            object: 'segment',
            objectId: row.id,
            changes: body,
          }),
        ])
        return result
      })
      reply.header('etag', toEtag(written.version))
      return toSegment(written)
    },
  })

  router.add({
    method: 'DELETE',
    url: '/segments/:id',
    scope: 'crm:write',
    tag: 'segments',
    summary: 'Delete a segment',
    params: idParams,
    successStatus: 204,
    handler: async ({ db, params, request, auth }) => {
      const context = services.getWriteContext(request, auth)
      await writer.run(db.tenantId, async () => {
        const row = await getEntity<SegmentRow>(db, 'crm_segments', params.id, 'segment')
        await putEntity(db, 'crm_segments', { ...row, is_deleted: 1 }, context.now)
        await db.insert('crm_changes', [
          createChange(context, {
            action: 'segment.deleted',
            object: 'segment',
            objectId: row.id,
            changes: {},
          }),
        ])
      })
      return undefined
    },
  })

  router.add({
    method: 'GET',
    url: '/segments/:id/members',
    scope: 'crm:read',
    tag: 'segments',
    summary: 'Contacts in a segment now, oldest first',
    params: idParams,
    query: pageQuerySchema,
    response: z.object({ results: z.array(contactSchema), paging: pagingSchema }),
    handler: async ({ db, params, query }) => {
      const { filter, extension } = await getFilter(db, params.id)
      return searchContacts(db, { ...filter, sorts: [], ...query }, extension)
    },
  })

  router.add({
    method: 'GET',
    url: '/segments/:id/export',
    scope: 'crm:read',
    tag: 'segments',
    summary: 'The segment’s contacts as CSV (RFC 4180)',
    params: idParams,
    handler: async ({ db, params, reply }) => {
      const { row, filter, extension } = await getFilter(db, params.id)
      const contacts: Contact[] = []
      await eachContact(db, filter, extension, (contact) => contacts.push(contact))
      reply
        .type('text/csv; charset=utf-8')
        .header('content-disposition', `attachment; filename="segment-${row.id}.csv"`)
      return toCsv(
        [
          'id',
          'email',
          'phone',
          'externalId',
          'firstName',
          'lastName',
          'companyId',
          'lifecycleStage',
          'source',
          'createdAt',
          'properties',
        ],
        contacts.map((contact) => [
          contact.id,
          contact.email,
          contact.phone,
          contact.externalId,
          contact.firstName,
          contact.lastName,
          contact.companyId,
          contact.lifecycleStage,
          contact.source,
          contact.createdAt,
          JSON.stringify(contact.properties),
        ]),
      )
    },
  })

  router.add({
    method: 'GET',
    url: '/contacts/:id/value',
    scope: 'crm:read',
    tag: 'segments',
    summary: "A contact's orders, RFM scores and segment, lifecycle and CLV",
    params: idParams,
    response: valueSchema,
    handler: async ({ db, params }) => {
      const contact = await getContactRow(db, params.id)
      const rows = await db.rows<ContactValueRow>(
        `SELECT * FROM ${CONTACT_VALUE_SQL} WHERE contact_id = {id:String}`,
        { ...getValueParams(await getValueModel(db)), id: contact.id },
      )
      return toValue(contact.id, rows[0])
    },
  })
}
