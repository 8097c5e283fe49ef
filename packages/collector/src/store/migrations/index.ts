/** Every migration, in order. Append new ones; never edit one that has shipped. */
import { crmMigrations } from '@rastro/crm-api'
import { createEvents } from './0001-create-events.js'

/** The CRM's migrations (versions 60-69) are applied with the collector's, by the same runner. */
export const migrations = [createEvents, ...crmMigrations]
