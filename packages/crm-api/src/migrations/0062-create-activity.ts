import type { CrmMigration } from './crm-migration.js'

/**
 * What happens around contacts: `crm_changes` (append-only audit log of every CRM write, also the
 * CRM half of the timeline), `crm_event_links` (events attributed to a person through an identity
 * carried in the event's properties, e.g. an RFID uid tapped at a shared kiosk), lead scores,
 * per-tenant settings (scoring rules, value model), saved segments and webhook subscriptions with
 * their delivery log. Logs expire after the tenant's retention (TTL per row, as `events`).
 */
export const createActivity: CrmMigration = {
  version: 62,
  name: 'crm: changes, event links, scores, settings, segments, webhooks',
  statements: [
    `CREATE TABLE IF NOT EXISTS crm_changes (
      tenant_id LowCardinality(String),
      at DateTime64(3, 'UTC'),
      id String,
      actor String,
      action LowCardinality(String),
      object LowCardinality(String),
      object_id String,
      contact_id String,
      changes String CODEC(ZSTD(3)),
      request_id String,
      retention_days UInt16
    )
    ENGINE = MergeTree
    PARTITION BY toYYYYMM(at)
    ORDER BY (tenant_id, contact_id, at, id)
    TTL toDateTime(at) + toIntervalDay(retention_days)`,
    `CREATE TABLE IF NOT EXISTS crm_event_links (
      tenant_id LowCardinality(String),
      kind LowCardinality(String),
      value String,
      message_id String,
      timestamp DateTime64(3, 'UTC'),
      retention_days UInt16
    )
    ENGINE = ReplacingMergeTree
    ORDER BY (tenant_id, kind, value, message_id)
    TTL toDateTime(timestamp) + toIntervalDay(retention_days)`,
    `CREATE TABLE IF NOT EXISTS crm_scores (
      tenant_id LowCardinality(String),
      contact_id String,
      version UInt64,
      state String,
      fit Float64,
      engagement Float64,
      total Float64,
      hot UInt8,
      computed_at DateTime64(3, 'UTC')
    )
    ENGINE = ReplacingMergeTree(version)
    ORDER BY (tenant_id, contact_id)`,
    `CREATE TABLE IF NOT EXISTS crm_settings (
      tenant_id LowCardinality(String),
      name LowCardinality(String),
      version UInt64,
      value String,
      updated_at DateTime64(3, 'UTC')
    )
    ENGINE = ReplacingMergeTree(version)
    ORDER BY (tenant_id, name)`,
    `CREATE TABLE IF NOT EXISTS crm_segments (
      tenant_id LowCardinality(String),
      id String,
      version UInt64,
      is_deleted UInt8 DEFAULT 0,
      name String,
      filter String,
      created_at DateTime64(3, 'UTC'),
      updated_at DateTime64(3, 'UTC')
    )
    ENGINE = ReplacingMergeTree(version, is_deleted)
    ORDER BY (tenant_id, id)`,
    `CREATE TABLE IF NOT EXISTS crm_webhooks (
      tenant_id LowCardinality(String),
      id String,
      version UInt64,
      is_deleted UInt8 DEFAULT 0,
      url String,
      secret String,
      events Array(LowCardinality(String)),
      created_at DateTime64(3, 'UTC')
    )
    ENGINE = ReplacingMergeTree(version, is_deleted)
    ORDER BY (tenant_id, id)`,
    `CREATE TABLE IF NOT EXISTS crm_webhook_deliveries (
      tenant_id LowCardinality(String),
      at DateTime64(3, 'UTC'),
      webhook_id String,
      delivery_id String,
      event LowCardinality(String),
      attempt UInt8,
      status UInt16,
      error String
    )
    ENGINE = MergeTree
    ORDER BY (tenant_id, at)
    TTL toDateTime(at) + INTERVAL 30 DAY`,
  ],
}
