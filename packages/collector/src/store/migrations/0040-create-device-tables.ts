import type { Migration } from '../run-migrations.js'
import { renderCreateTable } from '../render-create-table.js'

/**
 * `telemetry`: one row per device reading, narrow for time series. Sorted by tenant, metric
 * and device, then boot and seq, the record's identity: a resent reading has the same key even
 * when its receipt-based timestamp moved, so ReplacingMergeTree collapses it (reads that must
 * be exact use FINAL). Partitioned by month of the reading; a minmax index on timestamp skips
 * granules in time ranges. Gorilla and DoubleDelta suit slowly changing values and regular times.
 *
 * `device_seq`: the seq ranges stored per device boot (the ledger behind acks and dedup).
 * On a cluster both shard by device, so a device's rows and its ledger live on one shard.
 */
export const createDeviceTables: Migration = {
  version: 40,
  name: 'create telemetry and device_seq',
  statements: (target) => [
    ...renderCreateTable(target, {
      name: 'telemetry',
      columns: `  tenant_id LowCardinality(String),
  device_id String,
  metric LowCardinality(String),
  boot_id UInt32,
  seq UInt32,
  timestamp DateTime64(3, 'UTC') CODEC(DoubleDelta, ZSTD(1)),
  value Float64 CODEC(Gorilla, ZSTD(1)),
  unit LowCardinality(String),
  device_time Nullable(DateTime64(3, 'UTC')),
  received_at DateTime64(3, 'UTC'),
  time_quality LowCardinality(String),
  retention_days UInt16,
  inserted_at DateTime64(3, 'UTC') DEFAULT now64(3),
  INDEX timestamp_minmax timestamp TYPE minmax GRANULARITY 4`,
      engine: 'ReplacingMergeTree',
      partitionBy: 'toYYYYMM(timestamp)',
      orderBy: '(tenant_id, metric, device_id, boot_id, seq)',
      ttl: 'toDateTime(timestamp) + toIntervalDay(retention_days)',
      shardingKey: 'cityHash64(device_id)',
    }),
    ...renderCreateTable(target, {
      name: 'device_seq',
      columns: `  tenant_id LowCardinality(String),
  device_id String,
  boot_id UInt32,
  seq_first UInt32,
  seq_last UInt32,
  received_at DateTime64(3, 'UTC'),
  retention_days UInt16`,
      engine: 'MergeTree',
      orderBy: '(tenant_id, device_id, boot_id, seq_first)',
      ttl: 'toDateTime(received_at) + toIntervalDay(retention_days)',
      shardingKey: 'cityHash64(device_id)',
    }),
  ],
}
