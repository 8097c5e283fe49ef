import type { Migration } from '../run-migrations.js'
import { renderCreateTable } from '../render-create-table.js'

/**
 * One row per event. Sorted by tenant, day, type and name, then the message id hash, so
 * ReplacingMergeTree collapses a retried event (same tenant, day and id) even when its
 * skew-corrected timestamp moved by a few ms: only `toDate(timestamp)` is in the key, never the
 * timestamp itself (shared/specs/collector-anchors.md §2, PostHog's sharded_events).
 * Rows expire after their tenant's retention, carried on each row. `properties` and `traits` are
 * JSON text read with `JSONExtract*`: ClickHouse's JSON type rejects a whole insert on a
 * duplicated dotted path (`{"a.b":1,"a":{"b":2}}`) or an integer above 2^64, and drops nulls.
 * `non_replicated_deduplication_window` makes the writer's `insert_deduplication_token` work on
 * one ClickHouse; replicated tables deduplicate by default (`replicated_deduplication_window`).
 * On a cluster, rows are sharded by visitor (anonymous id, else user id), so a visitor's events,
 * and every retried copy of one, share a shard and `FINAL` collapses them.
 */
export const createEvents: Migration = {
  version: 1,
  name: 'create events',
  statements: (target) =>
    renderCreateTable(target, {
      name: 'events',
      columns: `  tenant_id LowCardinality(String),
  site_id LowCardinality(String),
  message_id String,
  type LowCardinality(String),
  event String,
  name String,
  anonymous_id String,
  user_id String,
  session_id String,
  timestamp DateTime64(3, 'UTC'),
  original_timestamp Nullable(DateTime64(3, 'UTC')),
  sent_at Nullable(DateTime64(3, 'UTC')),
  received_at DateTime64(3, 'UTC'),
  url String,
  path String,
  referrer String,
  title String,
  utm_source LowCardinality(String),
  utm_medium LowCardinality(String),
  utm_campaign String,
  utm_term String,
  utm_content String,
  browser LowCardinality(String),
  browser_version LowCardinality(String),
  os LowCardinality(String),
  os_version LowCardinality(String),
  device_type LowCardinality(String),
  user_agent String CODEC(ZSTD(3)),
  ip String,
  library_name LowCardinality(String),
  library_version LowCardinality(String),
  locale LowCardinality(String),
  score UInt8,
  engagement LowCardinality(String),
  bot UInt8,
  properties String CODEC(ZSTD(3)),
  traits String CODEC(ZSTD(3)),
  context String CODEC(ZSTD(3)),
  retention_days UInt16,
  inserted_at DateTime64(3, 'UTC') DEFAULT now64(3)`,
      engine: 'ReplacingMergeTree',
      partitionBy: 'toYYYYMM(timestamp)',
      orderBy: '(tenant_id, toDate(timestamp), type, event, cityHash64(message_id))',
      ttl: 'toDateTime(timestamp) + toIntervalDay(retention_days)',
      settings: { non_replicated_deduplication_window: 1000 },
      shardingKey: "cityHash64(if(anonymous_id = '', user_id, anonymous_id))",
    }),
}
