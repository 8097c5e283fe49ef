import type { Migration } from '../run-migrations.js'
import { renderCreateTable } from '../render-create-table.js'

/**
 * `visitor_salts`: the daily salt of cookieless visitor ids when collectors share a ClickHouse
 * server, so every collector of a fleet gives a visitor the same id (`shared-visitor-salt.ts`).
 * Each collector offers a random salt for a day ahead of it; the smallest one offered is the
 * day's. Collectors delete the salts of past days; the TTL is the backstop.
 */
export const createVisitorSalts: Migration = {
  version: 110,
  name: 'create visitor_salts',
  statements: (target) =>
    renderCreateTable(target, {
      name: 'visitor_salts',
      columns: `  day UInt32,
  salt String,
  offered_at DateTime64(3, 'UTC') DEFAULT now64(3)`,
      engine: 'MergeTree',
      orderBy: '(day, salt)',
      ttl: 'toDateTime(day * 86400) + INTERVAL 2 DAY',
      shardingKey: 'day',
    }),
}
