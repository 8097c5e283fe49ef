/**
 * Starts forwarding for every enabled destination of every tenant: one {@link ForwardRunner} per
 * destination, each a log consumer of its own, sharing the ClickHouse tables and the metrics.
 * Cursors of destinations that are gone or switched off are dropped, so they never hold log
 * segments back (a destination switched on again starts at the head of the log).
 */
import type { ClickHouseClient, ClickHouseSettings } from '@clickhouse/client'
import type { TenantConfig } from '../config/config-schema.js'
import type { LogLogger, SegmentLog } from '../log/segment-log.js'
import type { Metrics } from '../util/create-metrics.js'
import { createDestination } from './create-destination.js'
import { ForwardRunner, getConsumerName } from './forward-runner.js'
import { ForwardStore } from './forward-store.js'

/** Log consumer names of destinations start with this. */
const CONSUMER_PREFIX = 'fwd-'

export interface ForwardingOptions {
  tenants: readonly TenantConfig[]
  log: SegmentLog
  client: ClickHouseClient
  logger: LogLogger
  metrics: Metrics
  /** Past this lag a destination parks events for a retry instead of holding the log (bytes). */
  maxLagBytes: number
  /** Added to every insert (`insert_distributed_sync` on a cluster). */
  insertSettings?: ClickHouseSettings | undefined
  /** Cluster name, for the erasure's mutations (see {@link ForwardStore}). */
  cluster?: string | undefined
  /** `User-Agent` of outgoing requests. */
  userAgent: string
}

export interface Forwarding {
  store: ForwardStore
  /** The runner of a tenant's enabled destination, if any. */
  getRunner(tenantId: string, destinationId: string): ForwardRunner | undefined
  runners: ForwardRunner[]
  start(): void
  /** Stops every runner (requests in flight finish within their timeout). */
  close(): Promise<void>
}

export function createForwarding(options: ForwardingOptions): Forwarding {
  const { log, logger, metrics } = options
  const store = new ForwardStore(options.client, {
    owner: log.id,
    insertSettings: options.insertSettings,
    cluster: options.cluster,
  })
  const runners: ForwardRunner[] = []
  for (const tenant of options.tenants) {
    for (const config of tenant.destinations) {
      if (!config.enabled) continue
      const label = `${tenant.id}/${config.id}`
      const destination = createDestination(tenant.id, config, { userAgent: options.userAgent })
      runners.push(
        new ForwardRunner({
          destination,
          log,
          store,
          logger,
          defaultConsent: tenant.defaultConsent,
          maxLagBytes: options.maxLagBytes,
          events: {
            onOutcome: (outcome, count) => metrics.forwardEvents.inc({ destination: label, outcome }, count),
            onSend: (seconds) => metrics.forwardSendSeconds.observe({ destination: label }, seconds),
            onStoreError: () => metrics.forwardStoreErrors.inc({ destination: label }),
          },
        }),
      )
    }
  }
  const active = new Set(runners.map((runner) => runner.name))
  for (const consumer of log.consumers) {
    if (consumer.startsWith(CONSUMER_PREFIX) && !active.has(consumer)) {
      logger.info({ consumer }, 'forwarding: dropped the log cursor of a destination that is gone or off')
      log
        .dropCursor(consumer)
        .catch((error: unknown) =>
          logger.error({ err: error, consumer }, 'forwarding: cannot delete the log segments it held back'),
        )
    }
  }
  metrics.probes.forwardFailures = () =>
    runners.map((runner) => ({
      destination: `${runner.destination.tenantId}/${runner.destination.config.id}`,
      failures: runner.status.failures,
    }))
  const byName = new Map(runners.map((runner) => [runner.name, runner]))
  return {
    store,
    runners,
    getRunner: (tenantId, destinationId) => byName.get(getConsumerName(tenantId, destinationId)),
    start() {
      for (const runner of runners) runner.start()
    },
    async close() {
      await Promise.all(runners.map((runner) => runner.close()))
    },
  }
}
