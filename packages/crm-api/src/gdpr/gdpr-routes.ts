/**
 * GDPR (scope `gdpr`): export everything about a person as JSON (Art. 15/20), and erase it
 * (Art. 17). Erasure physically rewrites every table holding the person with synchronous
 * `ALTER TABLE … DELETE` / `UPDATE` mutations (not lightweight deletes, which only mask rows until
 * a merge: https://clickhouse.com/docs/guides/developer/lightweight-delete): when the answer
 * arrives the rows are gone from every active part, and the superseded parts are removed from disk
 * after ClickHouse's `old_parts_lifetime` (480 s by default). The person's strong identities are
 * kept only as SHA-256 hashes in `crm_suppressions`, so an import, an upsert or a later event with
 * that email is not turned into a contact again (as HubSpot's GDPR delete blocklists the email).
 * Deals are kept as business records but unlinked; the erasure is audited without personal data.
 */
import { z } from 'zod'
import { createChange } from '../audit/create-change.js'
import { toContact } from '../contacts/contact-row.js'
import type { CrmServices } from '../crm-services.js'
import { toClickHouseTime, toNumber } from '../db/clickhouse-time.js'
import type { TenantDb } from '../db/tenant-db.js'
import { toDeal, type DealRow } from '../deals/deal-row.js'
import type { Router } from '../http/create-router.js'
import { hashIdentity } from '../identity/contact-batch.js'
import { STRONG_KINDS } from '../identity/normalise-identity.js'
import {
  findPerson,
  getEventParams,
  PERSON_EVENTS_SQL,
  personSelectorSchema,
  type Person,
} from './find-person.js'

/** Seconds after the answer by which erased rows are off the disk (ClickHouse's default `old_parts_lifetime`). */
export const ERASED_FROM_DISK_WITHIN_SECONDS = 480

/** The person's events: a row of `events` is theirs when any of its three columns is in its list. */
export interface PersonEvents {
  /** `anonymous_id` values: the person's anonymous and device ids. */
  anonymousIds: string[]
  /** `user_id` values: the person's external ids. */
  userIds: string[]
  /** `message_id` values: events linked to them through a shared reader (an RFID tap). */
  messageIds: string[]
}

/**
 * What a host (the collector) erases beyond the CRM's tables, e.g. the forwarding log. It runs
 * first, while the person's events are still in `events`, so the host can find what it keeps by
 * event id; when it rejects, the request fails before the CRM has erased anything, and can be
 * retried.
 *
 * @returns rows erased (or anonymised) per table, reported in the answer's `erased`, and what the
 *   caller should know (e.g. a collector of the fleet that may still insert the person's events
 *   later), reported in the answer's `warnings`.
 */
export type EraseHook = (
  tenantId: string,
  person: { contactIds: string[]; identities: { kind: string; value: string }[]; events: PersonEvents },
) => Promise<EraseHookResult | void>

/** What an {@link EraseHook} reports. */
export interface EraseHookResult {
  /** Rows erased (or anonymised) per table. */
  erased?: Record<string, number>
  /** Sentences for the caller, returned in the answer's `warnings`. */
  warnings?: string[]
}

async function count(db: TenantDb, sql: string, params: Record<string, unknown>): Promise<number> {
  const [row] = await db.rows<{ count: string | number }>(sql, params)
  return toNumber(row?.count)
}

export function addGdprRoutes(router: Router, services: CrmServices, onErase: EraseHook | undefined): void {
  router.add({
    method: 'POST',
    url: '/gdpr/export',
    scope: 'gdpr',
    tag: 'gdpr',
    summary:
      'Everything about a person as JSON: contact, identities, deals, notes, events, score, CRM history',
    body: personSelectorSchema,
    handler: async ({ db, body, reply }) => {
      const person = await findPerson(db, body, services.defaultCountry)
      const events = getEventParams(person)
      const [deals, notes, eventRows, changes, score] = await Promise.all([
        db.rows<DealRow>(
          `SELECT * EXCEPT tenant_id FROM crm_deals FINAL WHERE tenant_id = {tenant:String} AND contact_id IN {ids:Array(String)}`,
          {
            ids: person.contactIds,
          },
        ),
        db.rows<{ id: string; body: string; created_at: string }>(
          `SELECT id, body, created_at FROM crm_notes FINAL WHERE tenant_id = {tenant:String} AND contact_id IN {ids:Array(String)} ORDER BY id`,
          { ids: person.contactIds },
        ),
        db.rows<Record<string, unknown>>(
          `SELECT * EXCEPT (tenant_id, retention_days, inserted_at) FROM events FINAL
           WHERE tenant_id = {tenant:String} AND ${PERSON_EVENTS_SQL} ORDER BY timestamp`,
          events,
        ),
        db.rows<Record<string, unknown>>(
          `SELECT at, actor, action, object, object_id, changes FROM crm_changes
           WHERE tenant_id = {tenant:String} AND contact_id IN {ids:Array(String)} ORDER BY at`,
          { ids: person.contactIds },
        ),
        services.scores.getScore(db, person.contact),
      ])
      reply.header('content-disposition', `attachment; filename="person-${person.contact.id}.json"`)
      return {
        exportedAt: new Date().toISOString(),
        contact: toContact(person.contact),
        identities: person.identities,
        deals: deals.map(toDeal),
        notes,
        score,
        events: eventRows.map((row) => ({
          ...row,
          properties: JSON.parse(String(row.properties || '{}')) as unknown,
          traits: JSON.parse(String(row.traits || '{}')) as unknown,
          context: JSON.parse(String(row.context || '{}')) as unknown,
        })),
        history: changes.map((row) => ({
          ...row,
          changes: JSON.parse(String(row.changes || '{}')) as unknown,
        })),
      }
    },
  })

  router.add({
    method: 'POST',
    url: '/gdpr/delete',
    scope: 'gdpr',
    tag: 'gdpr',
    summary: 'Erase a person: contact, identities, events, notes, scores, history; suppress re-creation',
    description: `Rows are erased from every active part when this answers and from disk within ${ERASED_FROM_DISK_WITHIN_SECONDS} s (ClickHouse old_parts_lifetime). Irreversible.`,
    body: personSelectorSchema,
    response: z.object({
      contactId: z.string(),
      erased: z.record(z.string(), z.number().int()),
      suppressedIdentities: z.number().int(),
      erasedFromDiskWithinSeconds: z.number().int(),
      warnings: z.array(z.string()).optional(),
    }),
    handler: async ({ db, body, request, auth }) => {
      const context = services.getWriteContext(request, auth)
      return services.writer.run(db.tenantId, async () => {
        const person = await findPerson(db, body, services.defaultCountry)
        return erasePerson(db, person, context.now, onErase).then(async ({ erased, warnings }) => {
          await db.insert('crm_changes', [
            createChange(context, {
              action: 'gdpr.deleted',
              object: 'gdpr',
              objectId: person.contact.id,
              changes: { erased, suppressedIdentities: erased.suppressed },
            }),
          ])
          const { suppressed, ...tables } = erased
          return {
            contactId: person.contact.id,
            erased: tables,
            suppressedIdentities: suppressed ?? 0,
            erasedFromDiskWithinSeconds: ERASED_FROM_DISK_WITHIN_SECONDS,
            ...(warnings.length > 0 ? { warnings } : {}),
          }
        })
      })
    },
  })
}

/** Erases `person` everywhere; returns rows erased per table, identities suppressed and the host's warnings. */
async function erasePerson(
  db: TenantDb,
  person: Person,
  now: number,
  onErase: EraseHook | undefined,
): Promise<{ erased: Record<string, number>; warnings: string[] }> {
  const ids = person.contactIds
  const values = person.identities.map((identity) => identity.value)
  const events = getEventParams(person)
  // Text that identifies the person in free-form JSON (stored answers, audit values of other objects).
  const needles = [
    ...new Set([
      ...ids,
      ...person.identities
        .filter((identity) => STRONG_KINDS.has(identity.kind))
        .map((identity) => identity.value),
    ]),
  ]
  const strong = person.identities.filter((identity) => STRONG_KINDS.has(identity.kind))
  const host = await onErase?.(db.tenantId, {
    contactIds: ids,
    identities: person.identities,
    events: { anonymousIds: events.anonIds!, userIds: events.userIds!, messageIds: events.messageIds! },
  })
  await db.insert(
    'crm_suppressions',
    strong.map((identity) => ({
      kind: identity.kind,
      value_sha256: hashIdentity(identity),
      created_at: toClickHouseTime(now),
    })),
  )
  const plan: [table: string, where: string, params: Record<string, unknown>][] = [
    ['events', PERSON_EVENTS_SQL, events],
    ['crm_contacts', 'id IN {ids:Array(String)}', { ids }],
    [
      'crm_identities',
      'contact_id IN {ids:Array(String)} OR value IN {values:Array(String)}',
      { ids, values },
    ],
    ['crm_event_links', 'value IN {values:Array(String)}', { values }],
    ['crm_scores', 'contact_id IN {ids:Array(String)}', { ids }],
    ['crm_notes', 'contact_id IN {ids:Array(String)}', { ids }],
    [
      'crm_changes',
      'contact_id IN {ids:Array(String)} OR multiSearchAny(changes, {needles:Array(String)})',
      { ids, needles },
    ],
    ['crm_idempotency', 'multiSearchAnyCaseInsensitive(body, {needles:Array(String)})', { needles }],
  ]
  const erased: Record<string, number> = { suppressed: strong.length }
  for (const [table, where, params] of plan) {
    const condition = `tenant_id = {tenant:String} AND (${where})`
    erased[table] = await count(db, `SELECT count() AS count FROM ${table} WHERE ${condition}`, params)
    if (erased[table]! > 0) await db.mutate(table, 'DELETE', condition, params)
  }
  const dealCondition = 'tenant_id = {tenant:String} AND contact_id IN {ids:Array(String)}'
  erased.crm_deals_unlinked = await count(
    db,
    `SELECT count() AS count FROM crm_deals FINAL WHERE ${dealCondition}`,
    { ids },
  )
  if (erased.crm_deals_unlinked > 0) {
    // Deals stay (they are the business's revenue) without the person's name, email or phone,
    // which deals opened by the feed's deal rules carry in their name.
    const fullName = `${person.contact.first_name} ${person.contact.last_name}`.trim()
    const labels = [...needles, fullName].filter(Boolean).sort((a, b) => b.length - a.length)
    const pattern = `(?i)${labels.map((label) => label.replace(/[\\^$.|?*+()[\]{}]/g, '\\$&')).join('|')}`
    await db.mutate(
      'crm_deals',
      "UPDATE contact_id = '', name = replaceRegexpAll(name, {pattern:String}, 'erased contact')",
      dealCondition,
      { ids, pattern },
    )
  }
  return { erased: { ...erased, ...host?.erased }, warnings: host?.warnings ?? [] }
}
