/**
 * The CRM's consumer of accepted events, `onEvents(rows)`: resolves each human event to a contact
 * through the identity map (creating or updating contacts from identify calls, lead forms, orders
 * and device records), links events read at shared devices, opens and wins deals from leads and
 * orders (the tenant's deal rules), and updates lead scores incrementally. Each tenant's part of a
 * batch runs in the tenant's single writer, so it is ordered with API writes. Delivery is at least
 * once: message ids handled recently are skipped (SDK retries, log replays); identity upserts are
 * idempotent anyway, and deal writes check the audit log for their message id.
 */
import { setImmediate as yieldToEventLoop } from 'node:timers/promises'
import { HEATMAP_EVENT } from '@rastro/schema'
import type { CountryCode } from 'libphonenumber-js'
import { LRUCache } from 'lru-cache'
import { toEpochMs } from '../db/clickhouse-time.js'
import type { TenantWriter } from '../db/create-tenant-writer.js'
import type { TenantDb } from '../db/tenant-db.js'
import { getDealRules } from '../deals/deal-rules.js'
import { ContactBatch, type UpsertResult } from '../identity/contact-batch.js'
import { STRONG_KINDS, type IdentityKey } from '../identity/normalise-identity.js'
import type { AttributedEvent, ScoreService } from '../scoring/create-score-service.js'
import { applyDealRules, getDealTrigger, type DealTrigger } from './apply-deal-rules.js'
import { getChannel, readJsonColumn, type CrmEventRow } from './crm-event-row.js'
import { getEventIdentity, NO_FIELDS, readIdentityProperties } from './get-event-identity.js'

export interface FeedOptions {
  /** The tenant's query layer (with the plugin's insert settings). */
  openDb(tenantId: string): TenantDb
  writer: TenantWriter
  scores: ScoreService
  getRetentionDays(tenantId: string): number
  defaultCountry: CountryCode | undefined
  /**
   * Message ids remembered to skip redeliveries, within a batch and across batches (default
   * 200,000); 0 remembers none and skips none, for a host that already delivers each id once
   * (the collector drops repeated ids at ingest).
   */
  recentIdsLimit?: number
}

/**
 * Rows handled between two turns given back to the event loop: the feed runs in the collector's
 * process, and a batch of a thousand rows handled in one go held up ingest's acks for tens of ms.
 */
const ROWS_PER_TURN = 256

/** The upsert result of an event whose identities name no contact and cannot make one. */
const NO_CONTACT: UpsertResult = { contactId: undefined, created: false, suppressed: false }

/** Whether every identity is weak and, so far, no contact's: such an event can find no contact, nor make one. */
function namesNoContact(keys: readonly IdentityKey[], batch: ContactBatch): boolean {
  for (const key of keys) if (STRONG_KINDS.has(key.kind) || batch.getOwner(key) !== undefined) return false
  return true
}

/** Handles one batch of accepted event rows; resolves when contacts and scores are written. */
export type OnEvents = (rows: readonly CrmEventRow[]) => Promise<void>

export function createFeed(options: FeedOptions): OnEvents {
  // O(1) eviction: a Set trimmed with `delete(values().next().value)` rescans its deleted slots on
  // every call, and past 200k ids that took more than half the feed's CPU (measured).
  const limit = options.recentIdsLimit ?? 200_000
  const recent = limit > 0 ? new LRUCache<string, true>({ max: limit }) : undefined

  async function onTenantEvents(tenantId: string, rows: CrmEventRow[]): Promise<void> {
    const db = options.openDb(tenantId)
    const batch = new ContactBatch(db, {
      actor: 'feed',
      requestId: `feed:${rows[0]!.message_id}`,
      retentionDays: options.getRetentionDays(tenantId),
      now: Date.now(),
    })
    // Parsed here only when they can name the person; else below, for the events a contact gets.
    const properties: (Record<string, unknown> | undefined)[] = []
    const identities: ReturnType<typeof getEventIdentity>[] = []
    // Index loops: `rows.entries()` made an array per row, and the feed's worker spends much of
    // its time collecting garbage.
    for (let i = 0; i < rows.length; i++) {
      if (i % ROWS_PER_TURN === ROWS_PER_TURN - 1) await yieldToEventLoop()
      const row = rows[i]!
      properties.push(readIdentityProperties(row.properties))
      identities.push(getEventIdentity(row, options.defaultCountry, properties[i] ?? NO_FIELDS))
    }
    // The tenant's rules are read while the identities load: three round trips to ClickHouse at
    // once rather than one after the other (under load each took 3-50 ms, most of a batch's time).
    const [dealRules, scoringRules] = await Promise.all([
      getDealRules(db),
      options.scores.getRules(db),
      batch.preload(identities.flatMap((identity) => identity.keys)),
    ])
    const attributed: AttributedEvent[] = []
    const links: Record<string, unknown>[] = []
    const results = []
    for (let i = 0; i < rows.length; i++) {
      if (i % ROWS_PER_TURN === ROWS_PER_TURN - 1) await yieldToEventLoop()
      const row = rows[i]!
      const identity = identities[i]!
      // Most events are an anonymous visitor's: only weak identities, none of them a contact's
      // (yet: an earlier event of the batch may have given them one). Upsert would find no
      // contact and create none (it needs a strong identity), so it is not called.
      if (namesNoContact(identity.keys, batch)) {
        results.push(NO_CONTACT)
        continue
      }
      results.push(
        await batch.upsert({
          keys: identity.keys,
          patch: identity.patch,
          mode: identity.mode,
          source: row.utm_source || getChannel(row.library_name, row.path),
          create: true,
        }),
      )
    }
    // Attribution after every upsert of the batch: a page view that precedes the lead form in the
    // same batch belongs to the contact the form created.
    for (let i = 0; i < rows.length; i++) {
      const row = rows[i]!
      const identity = identities[i]!
      const result = results[i]!
      if (result.suppressed) continue
      const contactId = result.contactId ?? identity.keys.map((key) => batch.getOwner(key)).find(Boolean)
      if (!contactId) continue
      if (identity.link) {
        links.push({
          kind: identity.link.kind,
          value: identity.link.value,
          message_id: row.message_id,
          timestamp: row.timestamp,
          retention_days: options.getRetentionDays(tenantId),
        })
      }
      attributed.push({
        contactId,
        messageId: row.message_id,
        event: {
          type: row.type,
          event: row.event,
          path: row.path,
          properties: properties[i] ?? readJsonColumn(row.properties),
          score: Number(row.score),
          engagement: row.engagement,
          at: toEpochMs(row.timestamp),
        },
      })
    }
    await batch.flush()
    await db.insert('crm_event_links', links)
    const triggers = attributed
      .map((event) => getDealTrigger(dealRules, event))
      .filter(Boolean) as DealTrigger[]
    await applyDealRules(db, dealRules, triggers, {
      getContact: (id) => batch.getContact(id),
      retentionDays: options.getRetentionDays(tenantId),
    })
    // Contacts that gained an identity may own older events now (the anonymous history): replay them.
    await options.scores.applyEvents(
      db,
      attributed,
      batch.reidentified,
      (id) => batch.getContact(id),
      scoringRules,
    )
  }

  return async function onEvents(rows) {
    const byTenant = new Map<string, CrmEventRow[]>()
    const seen = new Set<string>()
    for (const row of rows) {
      // Bots are not leads; heatmap points say nothing about a person (they are the dashboard's).
      if (Number(row.bot) === 1 || row.event === HEATMAP_EVENT) continue
      if (recent) {
        const key = `${row.tenant_id}\n${row.message_id}`
        if (recent.has(key) || seen.has(key)) continue
        seen.add(key)
      }
      const list = byTenant.get(row.tenant_id)
      if (list) list.push(row)
      else byTenant.set(row.tenant_id, [row])
    }
    await Promise.all(
      [...byTenant].map(async ([tenantId, tenantRows]) => {
        await options.writer.run(tenantId, () => onTenantEvents(tenantId, tenantRows))
        // Remembered once handled: a batch that failed is retried whole.
        if (recent) for (const row of tenantRows) recent.set(`${tenantId}\n${row.message_id}`, true)
      }),
    )
  }
}
