/** Every migration, in order. Append new ones; never edit one that has shipped. */
import { crmMigrations, type CrmMigration } from '@rastro/crm-api'
import { renderCreateTable } from '../render-create-table.js'
import type { Migration } from '../run-migrations.js'
import { createEvents } from './0001-create-events.js'
import { createDeviceTables } from './0040-create-device-tables.js'
import { createForwardLog } from './0050-create-forward-log.js'
import { createForwardLedger } from './0051-create-forward-ledger.js'
import { createForwardRetries } from './0052-create-forward-retries.js'
import { createForwardDeadLetters } from './0053-create-forward-dead-letters.js'
import { createHeatmapClicks } from './0070-create-heatmap-clicks.js'
import { createDashboardSessions } from './0080-create-dashboard-sessions.js'
import { addEventsCountry } from './0090-add-events-country.js'
import { eventsVerticalMerges } from './0100-events-vertical-merges.js'
import { createVisitorSalts } from './0110-create-visitor-salts.js'
import { createCollectorWatermarks } from './0120-create-collector-watermarks.js'

/** A CRM migration (versions 60-69) rendered like the collector's own, for one ClickHouse or a cluster. */
function fromCrm(migration: CrmMigration): Migration {
  return {
    version: migration.version,
    name: migration.name,
    statements: (target) => [
      ...migration.tables.flatMap((table) =>
        renderCreateTable(target, { ...table, shardingKey: 'cityHash64(tenant_id)' }),
      ),
      ...(migration.alterEvents ?? []).map((statement) =>
        statement.replaceAll(
          '{events}',
          target.cluster ? `events_local ON CLUSTER \`${target.cluster}\`` : 'events',
        ),
      ),
    ],
  }
}

/** The CRM's migrations are applied with the collector's, by the same runner. */
export const migrations: Migration[] = [
  createEvents,
  createDeviceTables,
  createForwardLog,
  createForwardLedger,
  createForwardRetries,
  createForwardDeadLetters,
  ...crmMigrations.map(fromCrm),
  createHeatmapClicks,
  createDashboardSessions,
  addEventsCountry,
  eventsVerticalMerges,
  createVisitorSalts,
  createCollectorWatermarks,
]
