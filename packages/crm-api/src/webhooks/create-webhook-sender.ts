/**
 * Delivers CRM webhooks to the tenant's subscriptions for an event (filtered by event name, as
 * Twenty users ask in twentyhq/twenty#6664). Each delivery is signed with the subscription's secret
 * like every Rastro webhook (`X-Rastro-Timestamp`, `X-Rastro-Signature`: see `sign-webhook.ts`, and
 * `verifyWebhookSignature` of `@rastro/node`), and names its delivery in `X-Rastro-Webhook-Id`.
 * A non-2xx answer or a network error is retried after each of `retryDelaysMs`; every attempt is
 * logged in `crm_webhook_deliveries`. Deliveries run in the background; `whenIdle` awaits them.
 */
import { toClickHouseTime } from '../db/clickhouse-time.js'
import { createId } from '../db/create-id.js'
import type { TenantDb } from '../db/tenant-db.js'
import { signWebhook } from './sign-webhook.js'

/** Events a subscription can ask for. */
export const WEBHOOK_EVENTS = ['contact.hot_lead'] as const
export type WebhookEvent = (typeof WEBHOOK_EVENTS)[number]

/** What the sender logs with (a pino or Fastify logger has it). */
export interface WebhookLogger {
  warn(object: object, message: string): void
  error(object: object, message: string): void
}

export interface WebhookSenderOptions {
  fetch: typeof fetch
  log: WebhookLogger
  /** Waits before each retry (ms); default 1 s, 10 s, 60 s. */
  retryDelaysMs?: number[]
  /** Longest wait for an answer (ms). */
  timeoutMs?: number
}

export interface WebhookSender {
  /** Sends `data` to every subscription of `event` in the tenant, in the background. */
  emit(db: TenantDb, event: WebhookEvent, data: unknown): void
  /** Resolves when every delivery, retries included, is done. */
  whenIdle(): Promise<void>
  /** Gives up the retries still waiting (on shutdown; they are logged as failed) and awaits the rest. */
  close(): Promise<void>
}

export function createWebhookSender(options: WebhookSenderOptions): WebhookSender {
  const delays = options.retryDelaysMs ?? [1_000, 10_000, 60_000]
  const running = new Set<Promise<void>>()
  const sleepers = new Set<() => void>()
  let closing = false

  function sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const wake = () => {
        clearTimeout(timer)
        sleepers.delete(wake)
        resolve()
      }
      const timer = setTimeout(wake, ms)
      sleepers.add(wake)
    })
  }

  async function deliver(
    db: TenantDb,
    hook: { id: string; url: string; secret: string },
    event: string,
    body: string,
    deliveryId: string,
  ) {
    for (let attempt = 1; attempt <= delays.length + 1; attempt += 1) {
      let status = 0
      let error = ''
      try {
        const response = await options.fetch(hook.url, {
          method: 'POST',
          headers: {
            'content-type': 'application/json',
            'x-rastro-webhook-id': deliveryId,
            ...signWebhook(body, hook.secret, Date.now()),
          },
          body,
          signal: AbortSignal.timeout(options.timeoutMs ?? 10_000),
        })
        status = response.status
        await response.body?.cancel()
        if (!response.ok) error = `HTTP ${status}`
      } catch (cause) {
        error = cause instanceof Error ? cause.message : String(cause)
      }
      await db
        .insert('crm_webhook_deliveries', [
          {
            at: toClickHouseTime(Date.now()),
            webhook_id: hook.id,
            delivery_id: deliveryId,
            event,
            attempt,
            status,
            error,
          },
        ])
        .catch((cause: unknown) => options.log.warn({ err: cause }, 'could not log a webhook delivery'))
      if (!error) return
      const delay = delays[attempt - 1]
      if (delay === undefined || closing) break
      await sleep(delay)
      if (closing) break
    }
    options.log.warn({ webhook: hook.id, event }, 'webhook delivery failed after every retry')
  }

  async function send(db: TenantDb, event: WebhookEvent, data: unknown): Promise<void> {
    const hooks = await db.rows<{ id: string; url: string; secret: string }>(
      `SELECT id, url, secret FROM crm_webhooks FINAL
       WHERE tenant_id = {tenant:String} AND has(events, {event:String})`,
      { event },
    )
    await Promise.all(
      hooks.map((hook) => {
        const deliveryId = createId()
        const body = JSON.stringify({ id: deliveryId, event, createdAt: new Date().toISOString(), data })
        return deliver(db, hook, event, body, deliveryId)
      }),
    )
  }

  return {
    emit(db, event, data) {
      const task = send(db, event, data).catch((error: unknown) =>
        options.log.error({ err: error }, `could not send ${event} webhooks`),
      )
      running.add(task)
      void task.finally(() => running.delete(task))
    },
    async whenIdle() {
      while (running.size > 0) await Promise.all([...running])
    },
    async close() {
      closing = true
      for (const wake of [...sleepers]) wake()
      while (running.size > 0) await Promise.all([...running])
    },
  }
}
