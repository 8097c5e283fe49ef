/**
 * Finds the person a GDPR request is about, by contact id or by any identity, with everything that
 * identifies them: the contact and the contacts merged into it, every identity, and the events
 * linked to them through a shared reader.
 */
import { z } from 'zod'
import { getContactRow } from '../contacts/contact-routes.js'
import type { ContactRow } from '../contacts/contact-row.js'
import type { TenantDb } from '../db/tenant-db.js'
import { createCrmError } from '../errors.js'
import { getPersonKeys } from '../identity/get-person-keys.js'
import { normaliseIdentity, type IdentityKey, type IdentityKind } from '../identity/normalise-identity.js'
import type { CountryCode } from 'libphonenumber-js'

export const personSelectorSchema = z
  .strictObject({
    contactId: z.string().max(64).optional(),
    email: z.string().max(200).optional(),
    phone: z.string().max(50).optional(),
    externalId: z.string().max(200).optional(),
  })
  .refine((selector) => Object.values(selector).filter(Boolean).length === 1, {
    message: 'give exactly one of contactId, email, phone, externalId',
    path: ['contactId'],
  })
export type PersonSelector = z.infer<typeof personSelectorSchema>

export interface Person {
  contact: ContactRow
  /** The contact and every contact merged into it. */
  contactIds: string[]
  identities: IdentityKey[]
  /** Message ids of events linked to them through an identity in the event's properties. */
  linkedMessageIds: string[]
}

/** @throws CrmError 404 when no contact of the tenant has the identity or id. */
export async function findPerson(
  db: TenantDb,
  selector: PersonSelector,
  defaultCountry: CountryCode | undefined,
): Promise<Person> {
  let contactId = selector.contactId
  if (!contactId) {
    const [kind, raw] = (
      selector.email
        ? ['email', selector.email]
        : selector.phone
          ? ['phone', selector.phone]
          : ['external_id', selector.externalId]
    ) as [IdentityKind, string]
    const value = normaliseIdentity(kind, raw, defaultCountry)
    const [row] = value
      ? await db.rows<{ contact_id: string }>(
          `SELECT contact_id FROM crm_identities FINAL WHERE tenant_id = {tenant:String} AND kind = {kind:String} AND value = {value:String}`,
          { kind, value },
        )
      : []
    if (!row)
      throw createCrmError('RASTRO_ERR_CRM_NOT_FOUND', {
        message: `no contact with this ${kind.replace('_', ' ')}`,
      })
    contactId = row.contact_id
  }
  const contact = await getContactRow(db, contactId)
  const contactIds = [contact.id, ...contact.merged_ids]
  const keys = await getPersonKeys(db, contactIds)
  return {
    contact,
    contactIds,
    identities: keys.identities.map(({ kind, value }) => ({ kind, value })),
    linkedMessageIds: keys.links.map((link) => link.message_id),
  }
}

/** Query parameters selecting the person's events: `{anonIds}`, `{userIds}`, `{messageIds}`. */
export function getEventParams(person: Person): Record<string, string[]> {
  const of = (...kinds: IdentityKind[]) =>
    person.identities.filter((identity) => kinds.includes(identity.kind)).map((identity) => identity.value)
  return {
    anonIds: of('anon_id', 'device_id'),
    userIds: of('external_id'),
    messageIds: person.linkedMessageIds,
  }
}

/** Condition on `events` columns for {@link getEventParams}. */
export const PERSON_EVENTS_SQL = `(anonymous_id IN {anonIds:Array(String)} OR user_id IN {userIds:Array(String)} OR message_id IN {messageIds:Array(String)})`
