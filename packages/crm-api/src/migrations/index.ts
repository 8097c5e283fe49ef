/** Every CRM migration, in order (versions 60-69). Append new ones; never edit one that has shipped. */
import { createIdentity } from './0060-create-identity.js'
import { createSales } from './0061-create-sales.js'
import { createActivity } from './0062-create-activity.js'
import { createAccess } from './0063-create-access.js'
import { indexEventVisitors } from './0064-index-event-visitors.js'
import { createWebhookRetries } from './0065-create-webhook-retries.js'
import type { CrmMigration } from './crm-migration.js'

export const crmMigrations: CrmMigration[] = [
  createIdentity,
  createSales,
  createActivity,
  createAccess,
  indexEventVisitors,
  createWebhookRetries,
]
