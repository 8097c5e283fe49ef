import type { CrmMigration } from './crm-migration.js'

/**
 * Contacts and the identity map. Every mutable CRM table is a `ReplacingMergeTree(version,
 * is_deleted)` sorted by tenant first and read with `FINAL` (ARCHITECTURE.md "Storage").
 * `crm_identities` maps `(tenant, kind, normalised value)` to one contact: ClickHouse keeps one row
 * per key after `FINAL`, and the single writer (db/create-tenant-writer.ts) makes sure no two
 * contacts are ever given the same key. A merge re-points identities with a higher version; events
 * are never rewritten. `crm_suppressions` holds SHA-256 hashes of erased emails and phones.
 */
export const createIdentity: CrmMigration = {
  version: 60,
  name: 'crm: contacts, identities, suppressions',
  tables: [
    {
      name: 'crm_contacts',
      columns: `  tenant_id LowCardinality(String),
  id String,
  version UInt64,
  is_deleted UInt8 DEFAULT 0,
  merged_into String DEFAULT '',
  merged_ids Array(String) DEFAULT [],
  email String,
  phone String,
  external_id String,
  first_name String,
  last_name String,
  company_id String,
  lifecycle_stage LowCardinality(String),
  source LowCardinality(String),
  properties String CODEC(ZSTD(3)),
  created_at DateTime64(3, 'UTC'),
  updated_at DateTime64(3, 'UTC')`,
      engine: 'ReplacingMergeTree(version, is_deleted)',
      orderBy: '(tenant_id, id)',
    },
    {
      name: 'crm_identities',
      columns: `  tenant_id LowCardinality(String),
  kind LowCardinality(String),
  value String,
  contact_id String,
  version UInt64,
  is_deleted UInt8 DEFAULT 0,
  source LowCardinality(String),
  created_at DateTime64(3, 'UTC'),
  INDEX idx_contact contact_id TYPE bloom_filter(0.01) GRANULARITY 1`,
      engine: 'ReplacingMergeTree(version, is_deleted)',
      orderBy: '(tenant_id, kind, value)',
    },
    {
      name: 'crm_suppressions',
      columns: `  tenant_id LowCardinality(String),
  kind LowCardinality(String),
  value_sha256 String,
  created_at DateTime64(3, 'UTC')`,
      engine: 'ReplacingMergeTree',
      orderBy: '(tenant_id, kind, value_sha256)',
    },
  ],
}
