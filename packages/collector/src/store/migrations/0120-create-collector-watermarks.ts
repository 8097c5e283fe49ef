import type { Migration } from '../run-migrations.js'
import { renderCreateTable } from '../render-create-table.js'

/**
 * `collector_watermarks`: each collector of a fleet on a ClickHouse server says every few seconds
 * how far its log is processed (`stored_through`: every event it acknowledged before that time is
 * inserted and handed to its destinations), so a GDPR erase on any of them waits for all
 * (`store/stored-watermark.ts`, `store/wait-for-fleet.ts`). `stopped` is 1 on the last row of a
 * collector that stopped with its log fully processed. The newest row of a collector wins (merges keep it); a collector not seen for
 * 30 days is forgotten.
 */
export const createCollectorWatermarks: Migration = {
  version: 120,
  name: 'create collector_watermarks',
  statements: (target) =>
    renderCreateTable(target, {
      name: 'collector_watermarks',
      columns: `  collector_id String,
  seen_at DateTime64(3, 'UTC'),
  stored_through DateTime64(3, 'UTC'),
  stopped UInt8`,
      engine: 'ReplacingMergeTree(seen_at)',
      orderBy: 'collector_id',
      ttl: 'toDateTime(seen_at) + INTERVAL 30 DAY',
      shardingKey: 'cityHash64(collector_id)',
    }),
}
