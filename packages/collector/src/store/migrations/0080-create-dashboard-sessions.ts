import type { Migration } from '../run-migrations.js'
import { renderCreateTable } from '../render-create-table.js'

/**
 * `dashboard_sessions`: the built-in dashboard's sign-ins, shared by every collector on the
 * ClickHouse (collectors share nothing else), so a session survives a restart and any collector
 * behind a load balancer accepts it. A row is keyed by the SHA-256 of the opaque session token
 * (the cookie's value is never stored, nor the secret key); `key_sha256` is the SHA-256 of the
 * secret key signed in with, so a key removed from the config ends its sessions. Sign-out inserts
 * the row again with `version = 2, is_deleted = 1`, which `FINAL` (and merges) drop; rows go at
 * `expires_at` by TTL.
 */
export const createDashboardSessions: Migration = {
  version: 80,
  name: 'create dashboard_sessions',
  statements: (target) =>
    renderCreateTable(target, {
      name: 'dashboard_sessions',
      columns: `  token_sha256 String,
  tenant_id LowCardinality(String),
  role LowCardinality(String),
  key_name String,
  key_sha256 String,
  created_at DateTime64(3, 'UTC'),
  expires_at DateTime64(3, 'UTC'),
  version UInt8,
  is_deleted UInt8 DEFAULT 0`,
      engine: 'ReplacingMergeTree(version, is_deleted)',
      orderBy: 'token_sha256',
      ttl: 'toDateTime(expires_at)',
      shardingKey: 'cityHash64(token_sha256)',
    }),
}
