/**
 * Composition of the CRM (like server.ts, for the CRM): where the log's `crm` consumer sends the
 * accepted events, and what answers `/v1/crm/`, by `crmFeed`:
 * - `local` and `host`: the CRM plugin with its single writer per tenant, and the feed's worker
 *   thread; a `host` also takes other collectors' events at `POST /v1/internal/crm-feed`;
 * - `remote`: the events go to the CRM host, and `/v1/crm/` is proxied to it.
 */
import type { ClickHouseSettings } from '@clickhouse/client'
import { crm, CrmError } from '@rastro/crm-api'
import type { FastifyInstance } from 'fastify'
import type { KeyRing } from './config/key-ring.js'
import type { ResolvedConfig } from './config/load-config.js'
import { crmFeedRoutes } from './crm-feed/crm-feed-routes.js'
import { CrmFeedWorker } from './crm-feed/crm-feed-worker.js'
import { CRM_HOST_BATCH_BYTES, CrmHostClient } from './crm-feed/crm-host-client.js'
import type { Forwarding } from './forward/create-forwarding.js'
import { RecordConsumer } from './log/record-consumer.js'
import type { SegmentLog } from './log/segment-log.js'
import { crmProxyRoutes } from './query/crm-proxy-routes.js'
import type { Store } from './store/create-store-client.js'
import { eraseHeatmapClicks } from './store/erase-heatmap-clicks.js'
import { FleetNotStoredError, waitForFleet, type FleetCollector } from './store/wait-for-fleet.js'
import type { ClosingStep } from './util/shutdown-watch.js'

/** Longest wait of a GDPR erase for the events acknowledged before it to be in ClickHouse (ms). */
const ERASE_STORE_WAIT_MS = 30_000
/**
 * A collector of the fleet unseen for this long (ms) is not waited for by a GDPR erase, but named
 * in its answer's `warnings`: it is down or cut off from ClickHouse, and inserts what its log holds
 * when it is back. Seen more recently, it holds the erase up to {@link ERASE_STORE_WAIT_MS}, then 503.
 */
const FLEET_GONE_AFTER_MS = 10 * 60_000

export interface CrmCompositionOptions {
  config: ResolvedConfig
  store: Store
  log: SegmentLog
  keyRing: KeyRing
  /** The forwarding destinations: a GDPR erase clears what they keep about the person. */
  forwarding: Forwarding
  /** Added to every insert (`insert_distributed_sync = 1` on a cluster). */
  insertSettings: ClickHouseSettings | undefined
  cluster: string | undefined
  /** Whether ingest drops repeated message ids (then a local feed need not remember them). */
  dedupAtIngest: boolean
}

/**
 * Mounts the CRM on `app` and starts its feed.
 * @returns the steps that stop the feed, in order, for the server's close.
 */
export async function registerCrm(
  app: FastifyInstance,
  options: CrmCompositionOptions,
): Promise<ClosingStep[]> {
  const { config, store, log, keyRing, forwarding, insertSettings, cluster, dedupAtIngest } = options
  const { settings } = config
  if (settings.crmFeed === 'remote') {
    // The fleet's CRM runs on another collector: this one's events go there, and so do its CRM
    // requests, so the CRM has one writer. A batch is retried while the host is out, until the
    // feed is a quarter of the log's bound behind (as a destination): the CRM host never makes
    // ingest refuse events.
    const crmHost = new CrmHostClient({ url: settings.crmHostUrl!, key: settings.crmHostKey! })
    await app.register(crmProxyRoutes, { hostUrl: settings.crmHostUrl! })
    const crmFeed = new RecordConsumer({
      log,
      name: 'crm',
      handle: (payloads) => crmHost.send(payloads),
      logger: app.log,
      batchBytes: CRM_HOST_BATCH_BYTES,
      maxLagBytes: Math.floor(settings.maxLogBytes / 4),
      retryMinMs: 1000,
    })
    crmFeed.start()
    return [
      { name: 'CRM feed', close: () => crmFeed.close() },
      { name: 'CRM host client', close: () => crmHost.close() },
    ]
  }
  await app.register(crm, {
    client: store.client,
    insertSettings,
    cluster,
    resolveKey: (key) => keyRing.findSecretKey(key),
    resolveSession: (request) => request.dashboardSession ?? undefined,
    getRetentionDays: (tenantId) =>
      config.tenants.find((tenant) => tenant.id === tenantId)?.retentionDays ?? 1095,
    // GDPR delete: what forwarding and the heatmaps keep about the person's events goes before the
    // events do, and the log starts a new segment, so the one holding their raw events is deleted
    // as soon as every consumer has read it.
    onErase: async (tenantId, person) => {
      // Events acknowledged before the erase, by this collector and (on a server) by every other
      // one of the fleet, go into ClickHouse and to the destinations first: inserted after the
      // CRM's delete, they would bring the person's rows back; forwarded after it, they would send
      // the person's data out again and leave `forward_log` rows of their events.
      const since = Date.now()
      const [, gone] = await Promise.all([
        app.whenProcessed(ERASE_STORE_WAIT_MS).catch((error: unknown) => {
          throw new CrmError(
            'RASTRO_ERR_STORE_UNAVAILABLE',
            `events acknowledged before the erase are not stored and forwarded after ${ERASE_STORE_WAIT_MS / 1000} s (ClickHouse or a destination slow or down); nothing was erased, retry later`,
            { retryAfterSeconds: 30, cause: error },
          )
        }),
        store.embedded ? [] : waitForFleetStored(store.client, log.id, since),
      ])
      const erased = {
        ...(await forwarding.store.erasePerson(tenantId, person.events)),
        heatmap_clicks: await eraseHeatmapClicks(store.client, tenantId, person.events, cluster),
      }
      await log.roll()
      return {
        erased,
        warnings: gone.map(
          (collector) =>
            `collector ${collector.id}, last seen ${new Date(collector.seenAt).toISOString()}, had not stored the events it acknowledged after ${new Date(collector.storedThrough).toISOString()}; it inserts them when it is back with its log: repeat this erase then`,
        ),
      }
    },
    // The feed runs in a worker thread (below): app.crm.whenIdle() waits for its webhooks too.
    whenFeedIdle: () => crmWorker.whenIdle(),
  })
  // The CRM reads accepted events from the log with its own cursor (identities, lead scores), and
  // handles them in a worker thread, off the event loop that acknowledges ingest.
  const crmWorker = new CrmFeedWorker({
    store,
    writer: app.crm.writer,
    insertSettings,
    cluster,
    retentionDays: Object.fromEntries(config.tenants.map((tenant) => [tenant.id, tenant.retentionDays])),
    // With the dedup index on, the log holds each (tenant, messageId) once within its window, so
    // the feed need not remember ids (its 200k-id memory took 2.6% of the event loop, measured).
    // A CRM host remembers them: other collectors' logs can hold the same ids (a client's retry
    // sent to another collector), and a sender's batch comes again when its answer was lost.
    recentIdsLimit: dedupAtIngest && settings.crmFeed === 'local' ? 0 : undefined,
    logger: app.log,
  })
  const crmFeed = new RecordConsumer({
    log,
    name: 'crm',
    handle: (payloads) => crmWorker.handle(payloads),
    logger: app.log,
  })
  crmFeed.start()
  if (settings.crmFeed === 'host')
    await app.register(crmFeedRoutes, { keyRing, handle: (payloads) => crmWorker.handle(payloads) })
  return [
    { name: 'CRM feed', close: () => crmFeed.close() },
    { name: 'CRM feed worker', close: () => crmWorker.close() },
  ]
}

/**
 * Waits for the other collectors of the fleet to store what they acknowledged before `since`
 * (`wait-for-fleet.ts`).
 * @returns the collectors gone meanwhile that may still insert such events.
 * @throws CrmError `RASTRO_ERR_STORE_UNAVAILABLE` when collectors seen recently are still behind
 *   after {@link ERASE_STORE_WAIT_MS}, or ClickHouse cannot be read.
 */
async function waitForFleetStored(
  client: Store['client'],
  self: string,
  since: number,
): Promise<FleetCollector[]> {
  try {
    return await waitForFleet(client, {
      self,
      since,
      timeoutMs: ERASE_STORE_WAIT_MS,
      goneAfterMs: FLEET_GONE_AFTER_MS,
    })
  } catch (error) {
    const message =
      error instanceof FleetNotStoredError
        ? `${error.message} (slow, or cut off from ClickHouse); nothing was erased, retry later`
        : 'cannot read how far the fleet’s collectors have stored their events (ClickHouse slow or down); nothing was erased, retry later'
    throw new CrmError('RASTRO_ERR_STORE_UNAVAILABLE', message, { retryAfterSeconds: 30, cause: error })
  }
}
