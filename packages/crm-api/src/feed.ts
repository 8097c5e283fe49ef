/**
 * `@rastro/crm-api/feed`: the CRM's event feed without the plugin (no Fastify, no routes), for a
 * host that runs it in a worker thread. See `createCrmFeed`.
 */
export { createCrmFeed, type CrmFeed, type CrmFeedOptions } from './feed/create-crm-feed.js'
export type { CrmEventRow } from './feed/crm-event-row.js'
export type { TenantWriter } from './db/create-tenant-writer.js'
export { nextVersion, useVersionClock } from './db/version-clock.js'
export { createServerClient, type ServerOptions } from './db/create-server-client.js'
