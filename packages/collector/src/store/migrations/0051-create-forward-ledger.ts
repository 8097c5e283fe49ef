import type { Migration } from '../run-migrations.js'
import { renderCreateTable } from '../render-create-table.js'

/**
 * The delivery ledger: the final state of each event at each destination, `delivered` or `dead`
 * (dead-lettered), keyed (tenant, destination, event id). Forwarding looks events up here before
 * sending, so a restart, a replay or a duplicate in the log never sends a delivered event again.
 * The newest state wins (`updated_at`). Kept 35 days: beyond Meta's 7-day and GA4's 72-hour
 * windows no platform would take the event anyway.
 */
export const createForwardLedger: Migration = {
  version: 51,
  name: 'create forward_ledger',
  statements: (target) =>
    renderCreateTable(target, {
      name: 'forward_ledger',
      columns: `  tenant_id LowCardinality(String),
  destination LowCardinality(String),
  event_id String,
  event_name LowCardinality(String),
  event_time DateTime64(3, 'UTC'),
  state LowCardinality(String),
  attempts UInt16,
  updated_at DateTime64(3, 'UTC')`,
      engine: 'ReplacingMergeTree(updated_at)',
      orderBy: '(tenant_id, destination, event_id)',
      ttl: 'toDateTime(updated_at) + INTERVAL 35 DAY',
      shardingKey: 'cityHash64(event_id)',
    }),
}
