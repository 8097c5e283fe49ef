/**
 * `@rastro/crm-api`: Rastro's thin CRM on the event store, as a Fastify plugin (mounted by the
 * collector) or a server of its own.
 */
export { crm, version, type CrmOptions, type CrmApi } from './crm-plugin.js'
export {
  createCrmServer,
  openCrmStore,
  assertCrmSchema,
  type CreateCrmServerOptions,
  type CrmStoreOptions,
} from './create-crm-server.js'
export { crmMigrations } from './migrations/index.js'
export type { CrmMigration } from './migrations/crm-migration.js'
export type { CrmEventRow } from './feed/crm-event-row.js'
export type { TenantWriter } from './db/create-tenant-writer.js'
export { getVersionClock } from './db/version-clock.js'
export { createServerClient, type ServerOptions } from './db/create-server-client.js'
export type { KeyResolver, ResolvedKey, SessionResolver } from './auth/crm-auth.js'
export { SCOPES, ROLE_SCOPES, type Scope, type Role } from './auth/scopes.js'
export { WEBHOOK_EVENTS, type WebhookEvent } from './webhooks/create-webhook-sender.js'
export { signWebhook, SIGNATURE_HEADER, TIMESTAMP_HEADER } from './webhooks/sign-webhook.js'
export {
  ERASED_FROM_DISK_WITHIN_SECONDS,
  type EraseHook,
  type EraseHookResult,
  type PersonEvents,
} from './gdpr/gdpr-routes.js'
export { DEFAULT_DEAL_RULES, dealRulesSchema, type DealRules } from './deals/deal-rules.js'
export { DEFAULT_SCORING_RULES, scoringRulesSchema, type ScoringRules } from './scoring/scoring-rules.js'
export { CrmError, type Problem } from './errors.js'
