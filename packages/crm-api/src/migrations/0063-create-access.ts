import type { CrmMigration } from './crm-migration.js'

/**
 * API keys made through the CRM (stored as SHA-256, shown once; the tenant is part of the key so
 * the lookup is tenant-first) and the replay store of `Idempotency-Key` (kept 24 h).
 */
export const createAccess: CrmMigration = {
  version: 63,
  name: 'crm: api keys, idempotency keys',
  tables: [
    {
      name: 'crm_api_keys',
      columns: `  tenant_id LowCardinality(String),
  key_sha256 String,
  id String,
  prefix String,
  name String,
  scopes Array(LowCardinality(String)),
  version UInt64,
  is_deleted UInt8 DEFAULT 0,
  created_by String,
  created_at DateTime64(3, 'UTC')`,
      engine: 'ReplacingMergeTree(version, is_deleted)',
      orderBy: '(tenant_id, key_sha256)',
    },
    {
      name: 'crm_idempotency',
      columns: `  tenant_id LowCardinality(String),
  key String,
  request_sha256 String,
  status UInt16,
  body String CODEC(ZSTD(3)),
  created_at DateTime64(3, 'UTC')`,
      engine: 'ReplacingMergeTree',
      orderBy: '(tenant_id, key)',
      ttl: 'toDateTime(created_at) + INTERVAL 1 DAY',
    },
  ],
}
