import type { Migration } from '../run-migrations.js'
import { renderCreateTable } from '../render-create-table.js'

/**
 * The forwarding audit: one row per attempt to deliver an event to a destination, and one per
 * event a destination would have taken but dropped (no consent, a bot, too old) or found invalid
 * (attempt 0). `payload_sha256` fingerprints the event's payload as sent (secrets are never in
 * it); the payload itself is not kept here. Rows expire after 90 days.
 */
export const createForwardLog: Migration = {
  version: 50,
  name: 'create forward_log',
  statements: (target) =>
    renderCreateTable(target, {
      name: 'forward_log',
      columns: `  at DateTime64(3, 'UTC'),
  tenant_id LowCardinality(String),
  destination LowCardinality(String),
  event_id String,
  event_name LowCardinality(String),
  source_event LowCardinality(String),
  attempt UInt16,
  status LowCardinality(String),
  http_status UInt16,
  vendor_trace_id String,
  latency_ms UInt32,
  outcome LowCardinality(String),
  error_code LowCardinality(String),
  error String,
  payload_sha256 String`,
      engine: 'MergeTree',
      partitionBy: 'toYYYYMM(at)',
      orderBy: '(tenant_id, destination, at)',
      ttl: 'toDateTime(at) + INTERVAL 90 DAY',
      shardingKey: 'cityHash64(event_id)',
    }),
}
