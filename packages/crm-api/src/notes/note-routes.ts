/**
 * Notes on a contact, company or deal. A note about a contact (or about a deal of a contact) is
 * recorded as `note.created` with its text, so it shows on the contact's timeline.
 */
import { z } from 'zod'
import { createChange } from '../audit/create-change.js'
import { getContactRow } from '../contacts/contact-routes.js'
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
import type { DealRow } from '../deals/deal-row.js'

interface NoteRow extends EntityRow {
  body: string
  contact_id: string
  company_id: string
  deal_id: string
  created_at: string
  updated_at: string
}

const noteSchema = z.object({
  id: z.string(),
  version: z.number().int(),
  body: z.string(),
  contactId: z.string(),
  companyId: z.string(),
  dealId: z.string(),
  createdAt: z.string(),
  updatedAt: z.string(),
})

const idParams = z.object({ id: z.string().min(1).max(64) })

function toNote(row: NoteRow) {
  return {
    id: row.id,
    version: Number(row.version),
    body: row.body,
    contactId: row.contact_id,
    companyId: row.company_id,
    dealId: row.deal_id,
    createdAt: toIsoTime(row.created_at),
    updatedAt: toIsoTime(row.updated_at),
  }
}

/** Resolves the note's links in the tenant; returns the contact whose timeline shows it. @throws CrmError 400 naming the link. */
async function checkLinks(
  db: TenantDb,
  links: { contactId?: string | undefined; companyId?: string | undefined; dealId?: string | undefined },
) {
  let contactId = ''
  if (links.contactId) {
    contactId = await getContactRow(db, links.contactId).then(
      (row) => row.id,
      () => {
        throw createCrmError('RASTRO_ERR_CRM_INVALID_INPUT', {
          message: `contactId: no contact ${links.contactId}`,
          field: 'contactId',
        })
      },
    )
  }
  if (links.companyId) await getEntity(db, 'crm_companies', links.companyId, 'company', 'companyId')
  if (links.dealId) {
    const deal = await getEntity<DealRow>(db, 'crm_deals', links.dealId, 'deal', 'dealId')
    contactId ||= deal.contact_id
  }
  return contactId
}

export function addNoteRoutes(router: Router, services: CrmServices): void {
  const { writer } = services

  router.add({
    method: 'GET',
    url: '/notes',
    scope: 'crm:read',
    tag: 'notes',
    summary: 'List notes, oldest first, optionally of one contact, company or deal',
    query: pageQuerySchema.extend({
      contactId: z.string().max(64).optional(),
      companyId: z.string().max(64).optional(),
      dealId: z.string().max(64).optional(),
    }),
    response: z.object({ results: z.array(noteSchema), paging: pagingSchema }),
    handler: async ({ db, query }) => {
      const [after] = query.cursor ? decodeCursor(query.cursor, 1) : ['']
      const contactIds = query.contactId
        ? await getContactRow(db, query.contactId).then(
            (row) => [row.id, ...row.merged_ids],
            () => [query.contactId!],
          )
        : []
      const rows = await db.rows<NoteRow>(
        `SELECT * EXCEPT tenant_id FROM crm_notes FINAL
         WHERE tenant_id = {tenant:String} AND id > {after:String}
           AND (empty({contactIds:Array(String)}) OR contact_id IN {contactIds:Array(String)})
           AND ({companyId:String} = '' OR company_id = {companyId:String})
           AND ({dealId:String} = '' OR deal_id = {dealId:String})
         ORDER BY id LIMIT {limit:UInt32}`,
        {
          after,
          contactIds,
          companyId: query.companyId ?? '',
          dealId: query.dealId ?? '',
          limit: query.limit + 1,
        },
      )
      return toPage(rows, query.limit, (row) => [row.id], toNote)
    },
  })

  router.add({
    method: 'POST',
    url: '/notes',
    scope: 'crm:write',
    tag: 'notes',
    summary: 'Add a note to a contact, company or deal',
    body: z
      .strictObject({
        body: z.string().min(1).max(10_000),
        contactId: z.string().max(64).optional(),
        companyId: z.string().max(64).optional(),
        dealId: z.string().max(64).optional(),
      })
      .refine((note) => note.contactId || note.companyId || note.dealId, {
        message: 'link the note to a contactId, companyId or dealId',
        path: ['contactId'],
      }),
    response: noteSchema,
    successStatus: 201,
    handler: async ({ db, body, request, auth }) => {
      const timelineContact = await checkLinks(db, body)
      const context = services.getWriteContext(request, auth)
      const at = toClickHouseTime(context.now)
      const row: NoteRow = {
        id: createId(context.now),
        version: 0,
        is_deleted: 0,
        body: body.body,
        contact_id: body.contactId ? timelineContact : '',
        company_id: body.companyId ?? '',
        deal_id: body.dealId ?? '',
        created_at: at,
        updated_at: at,
      }
      const written = await writer.run(db.tenantId, async () => {
        const result = await putEntity(db, 'crm_notes', row, context.now)
        await db.insert('crm_changes', [
          createChange(context, {
            action: 'note.created',
            object: 'note',
            objectId: row.id,
            contactId: timelineContact,
            changes: { body: row.body, companyId: row.company_id, dealId: row.deal_id },
          }),
        ])
        return result
      })
      return toNote(written)
    },
  })

  router.add({
    method: 'GET',
    url: '/notes/:id',
    scope: 'crm:read',
    tag: 'notes',
    summary: 'Read a note',
    params: idParams,
    response: noteSchema,
    handler: async ({ db, params }) => toNote(await getEntity<NoteRow>(db, 'crm_notes', params.id, 'note')),
  })

  router.add({
    method: 'PATCH',
    url: '/notes/:id',
    scope: 'crm:write',
    tag: 'notes',
    summary: 'Edit a note',
    params: idParams,
    headers: [{ name: 'If-Match', description: 'Expected version (optimistic concurrency).' }],
    body: z.strictObject({ body: z.string().min(1).max(10_000) }),
    response: noteSchema,
    handler: async ({ db, params, body, request, reply, auth }) => {
      const expected = getIfMatch(request)
      const context = services.getWriteContext(request, auth)
      const written = await writer.run(db.tenantId, async () => {
        const row = await getEntity<NoteRow>(db, 'crm_notes', params.id, 'note')
        checkVersion(row, expected, 'note')
        const result = await putEntity(db, 'crm_notes', { ...row, body: body.body }, context.now)
        await db.insert('crm_changes', [
          createChange(context, {
            action: 'note.updated',
            object: 'note',
            objectId: row.id,
            contactId: row.contact_id,
            changes: body,
          }),
        ])
        return result
      })
      reply.header('etag', toEtag(written.version))
      return toNote(written)
    },
  })

  addArchiveRoute(router, services, {
    url: '/notes/:id',
    tag: 'notes',
    summary: 'Delete a note',
    table: 'crm_notes',
    object: 'note',
  })
}
