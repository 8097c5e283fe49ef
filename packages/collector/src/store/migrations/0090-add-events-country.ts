import type { Migration } from '../run-migrations.js'

const COLUMN = 'country LowCardinality(String)'

/**
 * The visitor's country (ISO 3166-1 alpha-2, `''` when unknown), set at ingest by `putCountry`.
 * Rows stored before it read `''`. On a cluster the column is added to the replicated local
 * tables and to the Distributed table over them, which keeps its own column list
 * (https://clickhouse.com/docs/sql-reference/statements/alter/column#add-column).
 */
export const addEventsCountry: Migration = {
  version: 90,
  name: 'add events.country',
  statements: (target) =>
    target.cluster
      ? [
          `ALTER TABLE events_local ON CLUSTER \`${target.cluster}\` ADD COLUMN IF NOT EXISTS ${COLUMN}`,
          `ALTER TABLE events ON CLUSTER \`${target.cluster}\` ADD COLUMN IF NOT EXISTS ${COLUMN}`,
        ]
      : [`ALTER TABLE events ADD COLUMN IF NOT EXISTS ${COLUMN}`],
}
