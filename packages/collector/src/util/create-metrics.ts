/**
 * The collector's Prometheus metrics (prom-client), one registry per server so several servers
 * (tests) never share counters. Stages get the metric objects they update; gauges read their
 * value from probes set by the composition (server.ts) when scraped.
 */
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client'

/** Values read when `/metrics` is scraped. */
export interface MetricProbes {
  /** Bytes of log segments on disk. */
  logBytes?: () => number
  /** Per consumer: bytes and seconds behind the log's head. */
  consumerLag?: () => { consumer: string; bytes: number; seconds: number }[]
  /** Ids held by the dedup index. */
  dedupIds?: () => number
  /** Per forwarding destination (`<tenant>/<id>`): consecutive failed attempts (0: healthy). */
  forwardFailures?: () => { destination: string; failures: number }[]
}

/** Latency buckets for acks and steps (seconds): 0.1 ms to 5 s. */
const LATENCY_BUCKETS = [
  0.0001, 0.00025, 0.0005, 0.001, 0.002, 0.005, 0.01, 0.015, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5,
]

export function createMetrics() {
  const registry = new Registry()
  collectDefaultMetrics({ register: registry })
  const probes: MetricProbes = {}
  const registers = [registry]
  return {
    registry,
    probes,
    eventsAccepted: new Counter({
      name: 'rastro_ingest_events_accepted_total',
      help: 'Events acknowledged (written to the log), duplicates included.',
      registers,
    }),
    eventsDuplicate: new Counter({
      name: 'rastro_ingest_events_duplicate_total',
      help: 'Acknowledged events dropped as copies of an event already acknowledged (same tenant and messageId).',
      registers,
    }),
    eventsRejected: new Counter({
      name: 'rastro_ingest_events_rejected_total',
      help: 'Events rejected one by one, by error code.',
      labelNames: ['code'] as const,
      registers,
    }),
    requestsRefused: new Counter({
      name: 'rastro_ingest_requests_refused_total',
      help: 'Ingest requests refused whole with 429 or 503, by error code.',
      labelNames: ['code'] as const,
      registers,
    }),
    ackSeconds: new Histogram({
      name: 'rastro_ingest_ack_seconds',
      help: 'Time from a request arriving to its 2xx answer (after the log append).',
      buckets: LATENCY_BUCKETS,
      registers,
    }),
    stepSeconds: new Histogram({
      name: 'rastro_ingest_step_seconds',
      help: 'Time of each ingest step over the events of one request, sampled on 1 request in 16.',
      labelNames: ['step'] as const,
      buckets: LATENCY_BUCKETS,
      registers,
    }),
    insertSeconds: new Histogram({
      name: 'rastro_store_insert_seconds',
      help: 'Duration of successful ClickHouse inserts.',
      buckets: [0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
      registers,
    }),
    insertedRows: new Counter({
      name: 'rastro_store_inserted_rows_total',
      help: 'Rows inserted into ClickHouse (before ClickHouse drops retried blocks).',
      registers,
    }),
    clickhouseErrors: new Counter({
      name: 'rastro_store_clickhouse_errors_total',
      help: 'Failed ClickHouse inserts, by ClickHouse error type.',
      labelNames: ['type'] as const,
      registers,
    }),
    rejectedRecords: new Counter({
      name: 'rastro_store_rejected_records_total',
      help: 'Log records ClickHouse could not parse, set aside in rejected-records.jsonl.',
      registers,
    }),
    logBytes: new Gauge({
      name: 'rastro_log_bytes',
      help: 'Bytes of log segments on disk.',
      registers,
      collect() {
        if (probes.logBytes) this.set(probes.logBytes())
      },
    }),
    consumerLagBytes: new Gauge({
      name: 'rastro_log_consumer_lag_bytes',
      help: 'Bytes of log a consumer has not handled yet.',
      labelNames: ['consumer'] as const,
      registers,
      collect() {
        for (const lag of probes.consumerLag?.() ?? []) this.set({ consumer: lag.consumer }, lag.bytes)
      },
    }),
    consumerLagSeconds: new Gauge({
      name: 'rastro_log_consumer_lag_seconds',
      help: 'Age of the oldest record a consumer has not handled yet.',
      labelNames: ['consumer'] as const,
      registers,
      collect() {
        for (const lag of probes.consumerLag?.() ?? []) this.set({ consumer: lag.consumer }, lag.seconds)
      },
    }),
    forwardEvents: new Counter({
      name: 'rastro_forward_events_total',
      help: 'Events handled per forwarding destination, by outcome (delivered, retrying, dead_lettered, invalid, dry_run, dropped_*).',
      labelNames: ['destination', 'outcome'] as const,
      registers,
    }),
    forwardSendSeconds: new Histogram({
      name: 'rastro_forward_send_seconds',
      help: 'Time to send one batch of events to a forwarding destination (all its requests).',
      labelNames: ['destination'] as const,
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
      registers,
    }),
    forwardStoreErrors: new Counter({
      name: 'rastro_forward_clickhouse_errors_total',
      help: 'Failed ClickHouse calls of forwarding (ledger, retries, audit), retried with backoff.',
      labelNames: ['destination'] as const,
      registers,
    }),
    forwardFailures: new Gauge({
      name: 'rastro_forward_consecutive_failures',
      help: 'Consecutive failed attempts per forwarding destination (0 when the last attempt succeeded).',
      labelNames: ['destination'] as const,
      registers,
      collect() {
        for (const { destination, failures } of probes.forwardFailures?.() ?? [])
          this.set({ destination }, failures)
      },
    }),
    dedupIds: new Gauge({
      name: 'rastro_ingest_dedup_ids',
      help: 'Message ids held by the dedup index.',
      registers,
      collect() {
        if (probes.dedupIds) this.set(probes.dedupIds())
      },
    }),
  }
}

/** The collector's metrics. */
export type Metrics = ReturnType<typeof createMetrics>
