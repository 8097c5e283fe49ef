import type { Migration } from '../run-migrations.js'
import { renderCreateTable } from '../render-create-table.js'

/**
 * Events a destination will never get without help: refused by it, invalid for it, or out of its
 * time window, with the error code (`RASTRO_ERR_FORWARD_*`), the last answer and the redacted
 * payload (no IP, user agent or click ids). Fix the cause, then replay the time range. Kept 90 days.
 */
export const createForwardDeadLetters: Migration = {
  version: 53,
  name: 'create forward_dead_letters',
  statements: (target) =>
    renderCreateTable(target, {
      name: 'forward_dead_letters',
      columns: `  tenant_id LowCardinality(String),
  destination LowCardinality(String),
  event_id String,
  event_name LowCardinality(String),
  source_event LowCardinality(String),
  event_time DateTime64(3, 'UTC'),
  error_code LowCardinality(String),
  error String,
  http_status UInt16,
  attempts UInt16,
  payload String CODEC(ZSTD(3)),
  dead_at DateTime64(3, 'UTC')`,
      engine: 'ReplacingMergeTree(dead_at)',
      partitionBy: 'toYYYYMM(dead_at)',
      orderBy: '(tenant_id, destination, event_id)',
      ttl: 'toDateTime(dead_at) + INTERVAL 90 DAY',
      shardingKey: 'cityHash64(event_id)',
    }),
}
