/**
 * Contact endpoints: CRUD with `If-Match`, upsert and batch create/update/upsert (≤ 100) keyed by
 * email, phone or external id, search, merge and the duplicates finder. Every write runs in the
 * tenant's single writer (db/create-tenant-writer.ts) through a {@link ContactBatch}.
 */
import { z } from 'zod'
import type { CrmServices } from '../crm-services.js'
import type { TenantDb } from '../db/tenant-db.js'
import { createCrmError } from '../errors.js'
import { pageQuerySchema, pagingSchema } from '../http/cursor.js'
import type { Router } from '../http/create-router.js'
import { filterGroupsSchema, sortSchema } from '../http/filter-sql.js'
import { getIfMatch, toEtag } from '../http/get-if-match.js'
import { ContactBatch } from '../identity/contact-batch.js'
import { getPersonKeys } from '../identity/get-person-keys.js'
import { normaliseIdentity, type IdentityKind } from '../identity/normalise-identity.js'
import { contactInputSchema, toContactWrite, type ContactInput } from './contact-input.js'
import { contactSchema, toContact, type ContactRow } from './contact-row.js'
import { searchContacts } from './search-contacts.js'

const idParams = z.object({ id: z.string().min(1).max(64) })
const BATCH_LIMIT = 100
const ID_PROPERTY_KIND: Record<'email' | 'phone' | 'externalId', IdentityKind> = {
  email: 'email',
  phone: 'phone',
  externalId: 'external_id',
}

const contactWithIdentitiesSchema = contactSchema.extend({
  identities: z.array(z.object({ kind: z.string(), value: z.string() })),
})

const pageOf = (item: z.ZodType) => z.object({ results: z.array(item), paging: pagingSchema })

const upsertInputSchema = contactInputSchema.extend({
  /** Which field finds the existing contact (HubSpot's `idProperty`). */
  idProperty: z.enum(['email', 'phone', 'externalId']).default('email'),
})

const batchResultSchema = z.object({
  results: z.array(z.object({ id: z.string(), created: z.boolean(), contact: contactSchema })),
})

/** The identities of a contact, strongest kind first. */
export async function getIdentities(
  db: TenantDb,
  contactId: string,
): Promise<{ kind: string; value: string }[]> {
  const { identities } = await getPersonKeys(db, [contactId])
  return identities.map(({ kind, value }) => ({ kind, value }))
}

/**
 * The live contact `id`, following a merge to the contact it was merged into.
 *
 * @throws CrmError 404 when there is no such contact in the tenant.
 */
export async function getContactRow(db: TenantDb, id: string): Promise<ContactRow> {
  const batch = new ContactBatch(db, { actor: '', requestId: '', retentionDays: 0, now: 0 })
  await batch.loadContacts([id])
  let row = batch.getContact(id)
  if (row?.merged_into) {
    await batch.loadContacts([row.merged_into])
    row = batch.getContact(row.merged_into)
  }
  if (!row) throw createCrmError('RASTRO_ERR_CRM_NOT_FOUND', { message: `no contact ${id}` })
  return row
}

export function addContactRoutes(router: Router, services: CrmServices): void {
  const { writer, defaultCountry } = services

  router.add({
    method: 'GET',
    url: '/contacts',
    scope: 'crm:read',
    tag: 'contacts',
    summary: 'List contacts, oldest first',
    description: '`q` matches email, name and phone, as `query` in `POST /contacts/search`.',
    query: pageQuerySchema.extend({ q: z.string().max(200).optional() }),
    response: pageOf(contactSchema),
    handler: ({ db, query: { q, ...page } }) =>
      searchContacts(db, { filterGroups: [], sorts: [], ...page, query: q }),
  })

  router.add({
    method: 'POST',
    url: '/contacts',
    scope: 'crm:write',
    tag: 'contacts',
    summary: 'Create a contact',
    description:
      '409 when its email, phone or external id already belongs to a contact (use upsert); 422 when it was erased under GDPR.',
    body: contactInputSchema,
    response: contactSchema,
    successStatus: 201,
    handler: async ({ db, body, request, reply, auth }) => {
      const write = await toContactWrite(db, body, defaultCountry)
      const row = await writer.run(db.tenantId, async () => {
        const batch = new ContactBatch(db, services.getWriteContext(request, auth))
        const id = await batch.create(write.keys, write.patch, 'api')
        await batch.flush()
        return batch.getContact(id)!
      })
      reply.header('etag', toEtag(row.version)).header('location', `/v1/crm/contacts/${row.id}`)
      return toContact(row)
    },
  })

  router.add({
    method: 'GET',
    url: '/contacts/duplicates',
    scope: 'crm:read',
    tag: 'contacts',
    summary: 'Find likely duplicate contacts',
    description:
      'Groups of live contacts sharing a full name, or an email that is the same once dots and +tags are ignored where the provider ignores them (gmail.com). Exact emails and phones cannot repeat: the identity map is unique.',
    response: z.object({
      results: z.array(
        z.object({ reason: z.enum(['name', 'email']), key: z.string(), contactIds: z.array(z.string()) }),
      ),
    }),
    handler: async ({ db }) => {
      const rows = await db.rows<{ reason: 'name' | 'email'; key: string; ids: string[] }>(
        `SELECT reason, key, groupArray(20)(id) AS ids FROM (
           SELECT id, pair.1 AS reason, pair.2 AS key FROM (
             SELECT id, arrayJoin([
               ('name', if(first_name != '' AND last_name != '', lower(concat(trim(first_name), ' ', trim(last_name))), '')),
               ('email', if(email = '', '', concat(
                 replaceRegexpAll(
                   if(splitByChar('@', email)[2] IN ('gmail.com', 'googlemail.com'),
                      replaceAll(splitByChar('@', email)[1], '.', ''), splitByChar('@', email)[1]),
                   '\\\\+.*$', ''),
                 '@', replaceAll(splitByChar('@', email)[2], 'googlemail.com', 'gmail.com'))))
             ]) AS pair
             FROM crm_contacts FINAL WHERE tenant_id = {tenant:String} AND merged_into = ''
           ) WHERE key != ''
         )
         GROUP BY reason, key HAVING count() > 1
         ORDER BY count() DESC, reason, key LIMIT 200`,
      )
      return {
        results: rows.map((row) => ({ reason: row.reason, key: row.key, contactIds: [...row.ids].sort() })),
      }
    },
  })

  router.add({
    method: 'GET',
    url: '/contacts/:id',
    scope: 'crm:read',
    tag: 'contacts',
    summary: 'Read a contact with its identities',
    description: 'The id of a contact merged into another answers the surviving contact.',
    params: idParams,
    response: contactWithIdentitiesSchema,
    handler: async ({ db, params, reply }) => {
      const row = await getContactRow(db, params.id)
      reply.header('etag', toEtag(Number(row.version)))
      return { ...toContact(row), identities: await getIdentities(db, row.id) }
    },
  })

  router.add({
    method: 'PATCH',
    url: '/contacts/:id',
    scope: 'crm:write',
    tag: 'contacts',
    summary: 'Update a contact',
    description:
      'With `If-Match: "<version>"`, answers 412 when the contact changed since. New emails, phones and identities are added to the contact; former ones keep finding it.',
    params: idParams,
    body: contactInputSchema,
    headers: [{ name: 'If-Match', description: 'Expected version (optimistic concurrency).' }],
    response: contactSchema,
    handler: async ({ db, params, body, request, reply, auth }) => {
      const expected = getIfMatch(request)
      const write = await toContactWrite(db, body, defaultCountry)
      const row = await writer.run(db.tenantId, async () => {
        const batch = new ContactBatch(db, services.getWriteContext(request, auth))
        await batch.update(params.id, write.keys, write.patch, expected)
        await batch.flush()
        return batch.getContact(params.id)!
      })
      reply.header('etag', toEtag(row.version))
      return toContact(row)
    },
  })

  router.add({
    method: 'DELETE',
    url: '/contacts/:id',
    scope: 'crm:write',
    tag: 'contacts',
    summary: 'Delete (archive) a contact',
    description: 'Frees its identities; its events stay. To erase a person, use POST /v1/crm/gdpr/delete.',
    params: idParams,
    successStatus: 204,
    handler: async ({ db, params, request, auth }) => {
      await writer.run(db.tenantId, async () => {
        const batch = new ContactBatch(db, services.getWriteContext(request, auth))
        await batch.remove(params.id)
        await batch.flush()
      })
      return undefined
    },
  })

  async function upsertMany(
    db: TenantDb,
    inputs: (ContactInput & { idProperty: 'email' | 'phone' | 'externalId' })[],
    context: ReturnType<CrmServices['getWriteContext']>,
  ) {
    const writes: Awaited<ReturnType<typeof toContactWrite>>[] = []
    for (const [i, input] of inputs.entries()) {
      const prefix = inputs.length > 1 ? `inputs.${i}.` : ''
      const value = input[input.idProperty]
      const normal =
        value === undefined
          ? undefined
          : normaliseIdentity(ID_PROPERTY_KIND[input.idProperty], value, defaultCountry)
      if (!normal) {
        throw createCrmError('RASTRO_ERR_CRM_INVALID_INPUT', {
          message: `${prefix}${input.idProperty}: the idProperty must be set to a valid value`,
          field: `${prefix}${input.idProperty}`,
        })
      }
      writes.push(await toContactWrite(db, input, defaultCountry, prefix))
    }
    return writer.run(db.tenantId, async () => {
      const batch = new ContactBatch(db, context)
      await batch.preload(writes.flatMap((write) => write.keys))
      const results = []
      for (const [i, write] of writes.entries()) {
        const result = await batch.upsert({
          keys: write.keys,
          patch: write.patch,
          mode: 'set',
          source: 'api',
          create: true,
        })
        if (result.suppressed) {
          throw createCrmError('RASTRO_ERR_CRM_SUPPRESSED', {
            message: `${inputs.length > 1 ? `inputs.${i}: ` : ''}this person was erased under GDPR`,
            field: inputs.length > 1 ? `inputs.${i}` : inputs[0]!.idProperty,
          })
        }
        results.push({ id: result.contactId!, created: result.created })
      }
      await batch.flush()
      return results.map((result) => ({ ...result, contact: toContact(batch.getContact(result.id)!) }))
    })
  }

  router.add({
    method: 'POST',
    url: '/contacts/upsert',
    scope: 'crm:write',
    tag: 'contacts',
    summary: 'Create or update the contact with this email, phone or external id',
    description:
      'Never duplicates: concurrent upserts of one email make one contact. The other identities given are attached to it.',
    body: upsertInputSchema,
    response: z.object({ id: z.string(), created: z.boolean(), contact: contactSchema }),
    handler: async ({ db, body, request, reply, auth }) => {
      const [result] = await upsertMany(db, [body], services.getWriteContext(request, auth))
      reply.code(result!.created ? 201 : 200)
      return result
    },
  })

  router.add({
    method: 'POST',
    url: '/contacts/batch/upsert',
    scope: 'crm:write',
    tag: 'contacts',
    summary: 'Upsert up to 100 contacts keyed by email, phone or external id',
    body: z.strictObject({ inputs: z.array(upsertInputSchema).min(1).max(BATCH_LIMIT) }),
    response: batchResultSchema,
    handler: async ({ db, body, request, auth }) => ({
      results: await upsertMany(db, body.inputs, services.getWriteContext(request, auth)),
    }),
  })

  router.add({
    method: 'POST',
    url: '/contacts/batch/create',
    scope: 'crm:write',
    tag: 'contacts',
    summary: 'Create up to 100 contacts (all or none)',
    body: z.strictObject({ inputs: z.array(contactInputSchema).min(1).max(BATCH_LIMIT) }),
    response: batchResultSchema,
    successStatus: 201,
    handler: async ({ db, body, request, auth }) => {
      const writes: Awaited<ReturnType<typeof toContactWrite>>[] = []
      for (const [i, input] of body.inputs.entries())
        writes.push(await toContactWrite(db, input, defaultCountry, `inputs.${i}.`))
      return writer.run(db.tenantId, async () => {
        const batch = new ContactBatch(db, services.getWriteContext(request, auth))
        await batch.preload(writes.flatMap((write) => write.keys))
        const ids = []
        for (const write of writes) ids.push(await batch.create(write.keys, write.patch, 'api'))
        await batch.flush()
        return {
          results: ids.map((id) => ({ id, created: true, contact: toContact(batch.getContact(id)!) })),
        }
      })
    },
  })

  router.add({
    method: 'POST',
    url: '/contacts/batch/update',
    scope: 'crm:write',
    tag: 'contacts',
    summary: 'Update up to 100 contacts by id (all or none)',
    body: z.strictObject({
      inputs: z
        .array(
          contactInputSchema.extend({ id: z.string().min(1).max(64), version: z.number().int().optional() }),
        )
        .min(1)
        .max(BATCH_LIMIT),
    }),
    response: batchResultSchema,
    handler: async ({ db, body, request, auth }) => {
      const writes: Awaited<ReturnType<typeof toContactWrite>>[] = []
      for (const [i, input] of body.inputs.entries()) {
        const { id: _id, version: _version, ...fields } = input
        writes.push(await toContactWrite(db, fields, defaultCountry, `inputs.${i}.`))
      }
      return writer.run(db.tenantId, async () => {
        const batch = new ContactBatch(db, services.getWriteContext(request, auth))
        for (const [i, input] of body.inputs.entries())
          await batch.update(input.id, writes[i]!.keys, writes[i]!.patch, input.version)
        await batch.flush()
        return {
          results: body.inputs.map((input) => ({
            id: input.id,
            created: false,
            contact: toContact(batch.getContact(input.id)!),
          })),
        }
      })
    },
  })

  router.add({
    method: 'POST',
    url: '/contacts/search',
    scope: 'crm:read',
    tag: 'contacts',
    summary: 'Search contacts with filter groups',
    description:
      'Groups are OR-ed, filters in a group AND-ed (≤ 5 groups, ≤ 10 filters each, ≤ 25 in all). Properties: email, phone, externalId, firstName, lastName, companyId, lifecycleStage, source, createdAt, updatedAt, score, and custom properties. `query` matches email, name and phone.',
    body: z.strictObject({
      filterGroups: filterGroupsSchema.default([]),
      sorts: z.array(sortSchema).max(1).default([]),
      query: z.string().max(200).optional(),
      limit: pageQuerySchema.shape.limit,
      cursor: pageQuerySchema.shape.cursor,
    }),
    response: pageOf(contactSchema.extend({ score: z.number().optional() })),
    handler: ({ db, body }) => searchContacts(db, body),
  })

  router.add({
    method: 'POST',
    url: '/contacts/:id/merge',
    scope: 'crm:write',
    tag: 'contacts',
    summary: 'Merge up to 10 contacts into this one',
    description:
      'Irreversible. Identities of the merged contacts move to this one, so their events, deals and notes show on its timeline; their ids keep resolving to it. Empty fields are filled from the merged contacts.',
    params: idParams,
    body: z.strictObject({ mergeIds: z.array(z.string().min(1).max(64)).min(1).max(10) }),
    response: contactSchema,
    handler: async ({ db, params, body, request, auth }) => {
      const row = await writer.run(db.tenantId, async () => {
        const batch = new ContactBatch(db, services.getWriteContext(request, auth))
        await batch.merge(params.id, [...new Set(body.mergeIds)], 'api')
        await batch.flush()
        await services.scores.applyEvents(db, [], batch.reidentified, (id) => batch.getContact(id))
        return batch.getContact(params.id)!
      })
      return toContact(row)
    },
  })
}
