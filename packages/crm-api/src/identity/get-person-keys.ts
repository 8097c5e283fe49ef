/**
 * Everything that ties events to some contacts: their identities (current owner only) and the
 * events linked to them through an identity in the event's properties. Two cheap lookups instead of
 * `FINAL` over the whole identity map: candidate identities come from the `contact_id` skip index
 * without `FINAL`, then `FINAL` by primary key keeps those the contacts still own (a merge may have
 * moved one). Events are then selected with the values as query parameters, so ClickHouse can use
 * the `events` skip index on (anonymous_id, user_id) (migration 64) and the date in its sort key.
 */
import type { TenantDb } from '../db/tenant-db.js'
import type { IdentityKey, IdentityKind } from './normalise-identity.js'

export interface PersonKeys {
  /** Identities the contacts own now, with the owner. */
  identities: (IdentityKey & { contact_id: string })[]
  /** Values matched against `events.anonymous_id` (anonymous and device ids). */
  anonIds: string[]
  /** Values matched against `events.user_id` (external ids). */
  userIds: string[]
  /** Events linked through an identity in their properties (an RFID tap), with their day. */
  links: { message_id: string; day: string; kind: IdentityKind; value: string }[]
}

export async function getPersonKeys(db: TenantDb, contactIds: string[]): Promise<PersonKeys> {
  const identities = await db.rows<IdentityKey & { contact_id: string }>(
    `SELECT kind, value, contact_id FROM crm_identities FINAL
     WHERE tenant_id = {tenant:String}
       AND (kind, value) IN (SELECT kind, value FROM crm_identities WHERE tenant_id = {tenant:String} AND contact_id IN {ids:Array(String)})
       AND contact_id IN {ids:Array(String)}
     ORDER BY indexOf(['external_id', 'email', 'phone', 'rfid_uid', 'device_id', 'anon_id'], kind), value`,
    { ids: contactIds },
  )
  const of = (...kinds: IdentityKind[]) =>
    identities.filter((identity) => kinds.includes(identity.kind)).map((identity) => identity.value)
  const linkable = identities.filter((identity) => identity.kind === 'rfid_uid')
  const links =
    linkable.length === 0
      ? []
      : await db.rows<PersonKeys['links'][number]>(
          `SELECT message_id, toString(toDate(timestamp)) AS day, kind, value FROM crm_event_links
           WHERE tenant_id = {tenant:String} AND kind = 'rfid_uid' AND value IN {values:Array(String)}`,
          { values: linkable.map((identity) => identity.value) },
        )
  return { identities, anonIds: of('anon_id', 'device_id'), userIds: of('external_id'), links }
}

/** Query parameters for {@link getPersonEventsSql}. */
export function getPersonEventParams(keys: PersonKeys): Record<string, string[]> {
  return {
    anonIds: keys.anonIds,
    userIds: keys.userIds,
    linkIds: keys.links.map((link) => link.message_id),
    linkDays: [...new Set(keys.links.map((link) => link.day))],
  }
}

/**
 * A UNION ALL of SELECTs over `events` of the person's events, one per way events are tied to
 * them (so each can use its index): `columns` and `where` go into each branch. Rows may repeat
 * across branches and duplicated inserts; callers deduplicate by message id.
 */
export function getPersonEventsSql(keys: PersonKeys, columns: string, where = '1'): string {
  const branches = [
    `SELECT ${columns} FROM events WHERE tenant_id = {tenant:String} AND (anonymous_id IN {anonIds:Array(String)} OR user_id IN {userIds:Array(String)}) AND (${where})`,
  ]
  if (keys.links.length > 0) {
    branches.push(
      `SELECT ${columns} FROM events WHERE tenant_id = {tenant:String} AND toDate(timestamp) IN {linkDays:Array(Date)} AND message_id IN {linkIds:Array(String)} AND (${where})`,
    )
  }
  return branches.join('\nUNION ALL\n')
}
