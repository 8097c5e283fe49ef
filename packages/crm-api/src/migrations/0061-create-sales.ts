import type { CrmMigration } from './crm-migration.js'

/**
 * Companies, pipelines with their stages (JSON), deals, notes and the typed custom property
 * definitions. Money is in minor units with an ISO 4217 code (no FX: crm-anchors.md B4 "leave out").
 */
export const createSales: CrmMigration = {
  version: 61,
  name: 'crm: companies, pipelines, deals, notes, property definitions',
  statements: [
    `CREATE TABLE IF NOT EXISTS crm_companies (
      tenant_id LowCardinality(String),
      id String,
      version UInt64,
      is_deleted UInt8 DEFAULT 0,
      name String,
      domain String,
      properties String CODEC(ZSTD(3)),
      created_at DateTime64(3, 'UTC'),
      updated_at DateTime64(3, 'UTC')
    )
    ENGINE = ReplacingMergeTree(version, is_deleted)
    ORDER BY (tenant_id, id)`,
    `CREATE TABLE IF NOT EXISTS crm_pipelines (
      tenant_id LowCardinality(String),
      id String,
      version UInt64,
      is_deleted UInt8 DEFAULT 0,
      name String,
      display_order UInt32,
      stages String,
      created_at DateTime64(3, 'UTC'),
      updated_at DateTime64(3, 'UTC')
    )
    ENGINE = ReplacingMergeTree(version, is_deleted)
    ORDER BY (tenant_id, id)`,
    `CREATE TABLE IF NOT EXISTS crm_deals (
      tenant_id LowCardinality(String),
      id String,
      version UInt64,
      is_deleted UInt8 DEFAULT 0,
      name String,
      pipeline_id String,
      stage_id String,
      status LowCardinality(String),
      probability Float64,
      amount_minor Int64,
      currency LowCardinality(String),
      contact_id String,
      company_id String,
      expected_close_date Nullable(Date),
      closed_at Nullable(DateTime64(3, 'UTC')),
      lost_reason String,
      properties String CODEC(ZSTD(3)),
      created_at DateTime64(3, 'UTC'),
      updated_at DateTime64(3, 'UTC')
    )
    ENGINE = ReplacingMergeTree(version, is_deleted)
    ORDER BY (tenant_id, id)`,
    `CREATE TABLE IF NOT EXISTS crm_notes (
      tenant_id LowCardinality(String),
      id String,
      version UInt64,
      is_deleted UInt8 DEFAULT 0,
      body String CODEC(ZSTD(3)),
      contact_id String,
      company_id String,
      deal_id String,
      created_at DateTime64(3, 'UTC'),
      updated_at DateTime64(3, 'UTC')
    )
    ENGINE = ReplacingMergeTree(version, is_deleted)
    ORDER BY (tenant_id, id)`,
    `CREATE TABLE IF NOT EXISTS crm_property_definitions (
      tenant_id LowCardinality(String),
      object LowCardinality(String),
      name String,
      label String,
      type LowCardinality(String),
      options Array(String),
      version UInt64,
      is_deleted UInt8 DEFAULT 0,
      created_at DateTime64(3, 'UTC')
    )
    ENGINE = ReplacingMergeTree(version, is_deleted)
    ORDER BY (tenant_id, object, name)`,
  ],
}
