/** Webhook subscriptions (`crm:admin`): the signing secret is shown once, at creation. */
import { randomBytes } from 'node:crypto'
import { z } from 'zod'
import { createChange } from '../audit/create-change.js'
import type { CrmServices } from '../crm-services.js'
import { toClickHouseTime, toIsoTime, toNumber } from '../db/clickhouse-time.js'
import { createId } from '../db/create-id.js'
import { getEntity, putEntity, type EntityRow } from '../db/entity-store.js'
import type { Router } from '../http/create-router.js'
import { WEBHOOK_EVENTS } from './create-webhook-sender.js'

interface WebhookRow extends EntityRow {
  url: string
  secret: string
  events: string[]
  created_at: string
}

const webhookSchema = z.object({
  id: z.string(),
  url: z.string(),
  events: z.array(z.string()),
  createdAt: z.string(),
})
const toWebhook = (row: WebhookRow) => ({
  id: row.id,
  url: row.url,
  events: row.events,
  createdAt: toIsoTime(row.created_at),
})

export function addWebhookRoutes(router: Router, services: CrmServices): void {
  router.add({
    method: 'GET',
    url: '/webhooks',
    scope: 'crm:admin',
    tag: 'webhooks',
    summary: 'List webhook subscriptions',
    response: z.object({ results: z.array(webhookSchema) }),
    handler: async ({ db }) => ({
      results: (
        await db.rows<WebhookRow>(
          `SELECT * EXCEPT tenant_id FROM crm_webhooks FINAL WHERE tenant_id = {tenant:String} ORDER BY id`,
        )
      ).map(toWebhook),
    }),
  })

  router.add({
    method: 'POST',
    url: '/webhooks',
    scope: 'crm:admin',
    tag: 'webhooks',
    summary: 'Subscribe a URL to CRM events',
    description:
      'Events: `contact.hot_lead` (`data`: the contact and its score) and record changes, `<object>.<action>` for contacts, companies, deals and notes (`data`: `{ object, objectId, contactId?, actor, requestId, at, changes }`, the audit row). Deliveries are POSTs of `{ id, event, createdAt, data }` signed like every Rastro webhook: `X-Rastro-Timestamp` (Unix seconds) and `X-Rastro-Signature`, the hex HMAC-SHA256 of `<timestamp>.<raw body>` keyed with the secret (`verifyWebhookSignature` of `@rastro/node` checks it); retried after 1 s, 10 s and 60 s, then kept and retried after 5 min, 30 min, 2 h, 6 h and 15 h.',
    body: z.strictObject({
      url: z.url({ protocol: /^https?$/ }),
      events: z.array(z.enum(WEBHOOK_EVENTS)).min(1),
    }),
    response: webhookSchema.extend({ secret: z.string() }),
    successStatus: 201,
    handler: async ({ db, body, request, auth }) => {
      const context = services.getWriteContext(request, auth)
      const row: WebhookRow = {
        id: createId(context.now),
        version: 0,
        is_deleted: 0,
        url: body.url,
        secret: `whsec_${randomBytes(24).toString('base64url')}`,
        events: [...new Set(body.events)],
        created_at: toClickHouseTime(context.now),
      }
      await putEntity(db, 'crm_webhooks', row, context.now)
      services.webhooks.forget(db.tenantId)
      await db.insert('crm_changes', [
        createChange(context, {
          action: 'webhook.created',
          object: 'webhook',
          objectId: row.id,
          changes: { url: row.url, events: row.events },
        }),
      ])
      return { ...toWebhook(row), secret: row.secret }
    },
  })

  router.add({
    method: 'DELETE',
    url: '/webhooks/:id',
    scope: 'crm:admin',
    tag: 'webhooks',
    summary: 'Remove a webhook subscription',
    params: z.object({ id: z.string().min(1).max(64) }),
    successStatus: 204,
    handler: async ({ db, params, request, auth }) => {
      const context = services.getWriteContext(request, auth)
      await services.writer.run(db.tenantId, async () => {
        const row = await getEntity<WebhookRow>(db, 'crm_webhooks', params.id, 'webhook')
        await putEntity(db, 'crm_webhooks', { ...row, is_deleted: 1 }, context.now)
        services.webhooks.forget(db.tenantId)
        await db.insert('crm_changes', [
          createChange(context, {
            action: 'webhook.deleted',
            object: 'webhook',
            objectId: row.id,
            changes: {},
          }),
        ])
      })
      return undefined
    },
  })

  router.add({
    method: 'GET',
    url: '/webhooks/:id/deliveries',
    scope: 'crm:admin',
    tag: 'webhooks',
    summary: 'The last 100 delivery attempts of a subscription',
    params: z.object({ id: z.string().min(1).max(64) }),
    response: z.object({
      results: z.array(
        z.object({
          at: z.string(),
          deliveryId: z.string(),
          event: z.string(),
          attempt: z.number(),
          status: z.number(),
          error: z.string(),
        }),
      ),
    }),
    handler: async ({ db, params }) => {
      await getEntity(db, 'crm_webhooks', params.id, 'webhook')
      const rows = await db.rows<{
        at: string
        delivery_id: string
        event: string
        attempt: number
        status: number
        error: string
      }>(
        `SELECT at, delivery_id, event, attempt, status, error FROM crm_webhook_deliveries
         WHERE tenant_id = {tenant:String} AND webhook_id = {id:String} ORDER BY at DESC LIMIT 100`,
        { id: params.id },
      )
      return {
        results: rows.map((row) => ({
          at: toIsoTime(row.at),
          deliveryId: row.delivery_id,
          event: row.event,
          attempt: toNumber(row.attempt),
          status: toNumber(row.status),
          error: row.error,
        })),
      }
    },
  })
}
