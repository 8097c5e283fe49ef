import type { CrmMigration } from './crm-migration.js'

/**
 * `crm_webhook_retries`: CRM webhook deliveries that failed their quick retries (1, 10, 60 s) and
 * wait for a later attempt (`next_at`), so a delivery outlives a restart and a receiver down for
 * hours (~24 h in all). A row's newest version wins; a delivered or abandoned one is deleted
 * (`is_deleted`). Kept 2 days past its last schedule at most.
 */
export const createWebhookRetries: CrmMigration = {
  version: 65,
  name: 'crm: create crm_webhook_retries',
  tables: [
    {
      name: 'crm_webhook_retries',
      columns: `  tenant_id LowCardinality(String),
  delivery_id String,
  version UInt64,
  is_deleted UInt8 DEFAULT 0,
  webhook_id String,
  event LowCardinality(String),
  body String,
  attempt UInt8,
  next_at DateTime64(3, 'UTC')`,
      engine: 'ReplacingMergeTree(version, is_deleted)',
      orderBy: '(tenant_id, delivery_id)',
      ttl: 'toDateTime(next_at) + INTERVAL 2 DAY',
    },
  ],
}
