/**
 * The CRM's event feed on its own, outside the plugin: for a host that runs it away from the
 * API's event loop (the collector runs it in a worker thread). It writes through the `writer` the
 * host hands it, which must be the API's single writer for each tenant (or queue behind it), so
 * feed and API writes stay ordered; and versions must come from the API's clock
 * (`useVersionClock`). Scoring rules are read at every batch, since the API may change them.
 */
import type { ClickHouseClient, ClickHouseSettings } from '@clickhouse/client'
import type { CountryCode } from 'libphonenumber-js'
import type { TenantWriter } from '../db/create-tenant-writer.js'
import { TenantDb } from '../db/tenant-db.js'
import { createScoreService } from '../scoring/create-score-service.js'
import { createWebhookSender, type WebhookLogger } from '../webhooks/create-webhook-sender.js'
import { sendHotLeadWebhook } from '../webhooks/hot-lead-webhook.js'
import { createFeed, type OnEvents } from './create-feed.js'

/** Options of {@link createCrmFeed}: the plugin's options the feed uses, and the writer. */
export interface CrmFeedOptions {
  client: ClickHouseClient
  /** Added to every insert (`{ insert_distributed_sync: 1 }` on a cluster). */
  insertSettings?: ClickHouseSettings
  cluster?: string
  /** The tenants' single writer (see above). */
  writer: TenantWriter
  /** Days the audit log and event links are kept, per tenant. */
  getRetentionDays(tenantId: string): number
  /** ISO 3166-1 country of phone numbers written without `+`; unset: they are refused. */
  defaultPhoneCountry?: CountryCode
  /** Message ids remembered to skip redeliveries (default 200,000; 0: none). */
  recentIdsLimit?: number
  /** Logs failed hot-lead webhook deliveries. */
  log: WebhookLogger
}

/** A running feed: `onEvents(rows)`, and its hot-lead webhooks' lifetime. */
export interface CrmFeed {
  onEvents: OnEvents
  /** Resolves when every webhook delivery it started, retries included, is done. */
  whenIdle(): Promise<void>
  /** Gives up webhook retries still waiting and awaits the deliveries in flight. */
  close(): Promise<void>
}

/** Creates the feed. */
export function createCrmFeed(options: CrmFeedOptions): CrmFeed {
  const { client, insertSettings, cluster } = options
  // Subscriptions change in the API's process, not here: read them at each batch that has events to send.
  const webhooks = createWebhookSender({ fetch, log: options.log, subscriptionsTtlMs: 0 })
  const scores = createScoreService({
    now: Date.now,
    onHotLead: sendHotLeadWebhook(webhooks),
    cacheRules: false,
  })
  const onEvents = createFeed({
    openDb: (tenantId) =>
      new TenantDb(client, tenantId, {
        insertSettings,
        cluster,
        onChanges: (db, rows) => webhooks.emitChanges(db, rows),
      }),
    writer: options.writer,
    scores,
    getRetentionDays: options.getRetentionDays,
    defaultCountry: options.defaultPhoneCountry,
    ...(options.recentIdsLimit === undefined ? {} : { recentIdsLimit: options.recentIdsLimit }),
  })
  return { onEvents, whenIdle: () => webhooks.whenIdle(), close: () => webhooks.close() }
}
