import type { CrmMigration } from './crm-migration.js'

/**
 * A bloom-filter skip index on the visitor columns of `events`, so a contact's timeline, score
 * rebuild and GDPR export read the few granules holding their anonymous and user ids instead of
 * every event of the tenant (measured at 1M events: 4 of 127 granules). Built at insert for new
 * parts; parts already stored get it from an asynchronous mutation.
 */
export const indexEventVisitors: CrmMigration = {
  version: 64,
  name: 'crm: skip index on events (anonymous_id, user_id)',
  tables: [],
  alterEvents: [
    `ALTER TABLE {events} ADD INDEX IF NOT EXISTS idx_crm_visitor (anonymous_id, user_id) TYPE bloom_filter(0.01) GRANULARITY 1`,
    `ALTER TABLE {events} MATERIALIZE INDEX idx_crm_visitor SETTINGS mutations_sync = 0`,
  ],
}
