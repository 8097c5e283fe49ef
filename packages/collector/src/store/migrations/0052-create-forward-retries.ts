import type { Migration } from '../run-migrations.js'
import { renderCreateTable } from '../render-create-table.js'

/**
 * Events waiting for another attempt at a destination that failed (or was behind), owned by the
 * collector that parked them (`owner`: its log id, so collectors sharing a ClickHouse never retry
 * each other's events twice), with the
 * payload as it will be sent: personal data in it is already hashed for the destination (webhook
 * payloads excepted), IP and user agent are kept only until the platform's window closes. A row
 * leaves with `state = 'done'` (newest `updated_at` wins); every row expires 8 days after its
 * event, past the longest window (Meta's 7 days).
 */
export const createForwardRetries: Migration = {
  version: 52,
  name: 'create forward_retries',
  statements: (target) =>
    renderCreateTable(target, {
      name: 'forward_retries',
      columns: `  tenant_id LowCardinality(String),
  destination LowCardinality(String),
  owner LowCardinality(String),
  event_id String,
  event_name LowCardinality(String),
  source_event LowCardinality(String),
  event_time DateTime64(3, 'UTC'),
  attempts UInt16,
  next_attempt_at DateTime64(3, 'UTC'),
  state LowCardinality(String),
  item String CODEC(ZSTD(3)),
  updated_at DateTime64(3, 'UTC')`,
      engine: 'ReplacingMergeTree(updated_at)',
      orderBy: '(tenant_id, destination, event_id)',
      ttl: 'toDateTime(event_time) + INTERVAL 8 DAY',
      shardingKey: 'cityHash64(event_id)',
    }),
}
