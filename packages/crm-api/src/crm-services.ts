/** The CRM's services, made once per plugin instance and handed to every route module. */
import type { ClickHouseClient } from '@clickhouse/client'
import type { FastifyRequest } from 'fastify'
import type { CountryCode } from 'libphonenumber-js'
import type { WriteContext } from './audit/create-change.js'
import type { CrmAuth } from './auth/crm-auth.js'
import type { KeyStore } from './auth/create-key-store.js'
import type { TenantWriter } from './db/create-tenant-writer.js'
import type { OnEvents } from './feed/create-feed.js'
import type { ScoreService } from './scoring/create-score-service.js'
import type { WebhookSender } from './webhooks/create-webhook-sender.js'

export interface CrmServices {
  client: ClickHouseClient
  writer: TenantWriter
  keys: KeyStore
  scores: ScoreService
  webhooks: WebhookSender
  onEvents: OnEvents
  defaultCountry: CountryCode | undefined
  getRetentionDays(tenantId: string): number
  now(): number
  /** Who writes and when, for the audit log. */
  getWriteContext(request: FastifyRequest, auth: CrmAuth): WriteContext
}
