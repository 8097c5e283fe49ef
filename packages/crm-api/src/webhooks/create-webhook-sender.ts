/**
 * Delivers CRM webhooks to the tenant's subscriptions for an event, filtered by object and action
 * (`contact.created`, `deal.stage_changed`…: what Twenty users ask in twentyhq/twenty#6664,
 * crm-anchors.md "Webhooks"). The record events are the rows of `crm_changes`, the audit log every
 * CRM write goes through (API and event feed alike: `TenantDb`'s `onChanges`); `contact.hot_lead`
 * comes from the lead score. Each delivery is signed with the subscription's secret like every
 * Rastro webhook (`X-Rastro-Timestamp`, `X-Rastro-Signature`: see `sign-webhook.ts`, and
 * `verifyWebhookSignature` of `@rastro/node`), and names its delivery in `X-Rastro-Webhook-Id`.
 * A non-2xx answer or a network error is retried after each of `retryDelaysMs`; every attempt is
 * logged in `crm_webhook_deliveries`. Deliveries run in the background, at most
 * {@link MAX_CONCURRENT_DELIVERIES} at a time (the feed can create thousands of contacts in one
 * batch); `whenIdle` awaits them. Subscriptions are read again at most every
 * `subscriptionsTtlMs` (at once in this process after one is added or removed).
 */
import type { ClickHouseClient } from '@clickhouse/client'
import { toClickHouseTime } from '../db/clickhouse-time.js'
import { createId } from '../db/create-id.js'
import type { TenantDb } from '../db/tenant-db.js'
import { signWebhook } from './sign-webhook.js'
import { endDelivery, readDueDeliveries, scheduleDelivery, type PendingDelivery } from './webhook-retries.js'

/** Record changes a subscription can ask for: `crm_changes` actions, `<object>.<action>`. */
export const CHANGE_EVENTS = [
  'contact.created',
  'contact.updated',
  'contact.merged',
  'contact.deleted',
  'company.created',
  'company.updated',
  'company.deleted',
  'deal.created',
  'deal.updated',
  'deal.stage_changed',
  'deal.deleted',
  'note.created',
  'note.updated',
  'note.deleted',
] as const
/** Events a subscription can ask for. */
export const WEBHOOK_EVENTS = ['contact.hot_lead', ...CHANGE_EVENTS] as const
export type WebhookEvent = (typeof WEBHOOK_EVENTS)[number]

const CHANGE_EVENT_SET: ReadonlySet<string> = new Set(CHANGE_EVENTS)
/** Deliveries in flight at once, per sender. */
const MAX_CONCURRENT_DELIVERIES = 8
/** How long a tenant's subscriptions are used before they are read again (ms). */
const SUBSCRIPTIONS_TTL_MS = 5000

interface Subscription {
  id: string
  url: string
  secret: string
  events: string[]
}

/** What the sender logs with (a pino or Fastify logger has it). */
export interface WebhookLogger {
  warn(object: object, message: string): void
  error(object: object, message: string): void
}

export interface WebhookSenderOptions {
  fetch: typeof fetch
  log: WebhookLogger
  /** Waits before each quick retry, in memory (ms); default 1 s, 10 s, 60 s. */
  retryDelaysMs?: number[]
  /**
   * Waits before each later retry, once the quick ones failed (ms): the delivery is kept in
   * `crm_webhook_retries` and sent by {@link WebhookSender.sendDue}; default 5 min, 30 min, 2 h,
   * 6 h, 15 h (~24 h in all, crm-anchors.md "Webhooks").
   */
  laterRetryDelaysMs?: number[]
  /** Longest wait for an answer (ms). */
  timeoutMs?: number
  /**
   * How long a tenant's subscriptions are used before they are read again (ms; default
   * {@link SUBSCRIPTIONS_TTL_MS}). 0 for a sender whose process does not see subscriptions change
   * (the collector's event-feed thread): read at each batch of events it sends.
   */
  subscriptionsTtlMs?: number
}

export interface WebhookSender {
  /** Sends `data` to every subscription of `event` in the tenant, in the background. */
  emit(db: TenantDb, event: WebhookEvent, data: unknown): void
  /**
   * Sends each inserted `crm_changes` row whose action is a {@link CHANGE_EVENTS} to the
   * subscriptions of that action, as `{ object, objectId, contactId?, actor, requestId, at, changes }`.
   */
  emitChanges(db: TenantDb, rows: readonly Record<string, unknown>[]): void
  /** Reads `tenantId`'s subscriptions again at the next event (after one is added or removed). */
  forget(tenantId: string): void
  /**
   * Sends the kept deliveries that are due (across tenants), each once: delivered or abandoned
   * ones end, others are scheduled again. The CRM plugin calls it on a timer.
   * @returns how many were due.
   */
  sendDue(client: ClickHouseClient, openDb: (tenantId: string) => TenantDb): Promise<number>
  /** Resolves when every delivery, retries included, is done. */
  whenIdle(): Promise<void>
  /** Gives up the retries still waiting (on shutdown; they are logged as failed) and awaits the rest. */
  close(): Promise<void>
}

export function createWebhookSender(options: WebhookSenderOptions): WebhookSender {
  const delays = options.retryDelaysMs ?? [1_000, 10_000, 60_000]
  const laterDelays = options.laterRetryDelaysMs ?? [300_000, 1_800_000, 7_200_000, 21_600_000, 54_000_000]
  const running = new Set<Promise<void>>()
  const sleepers = new Set<() => void>()
  const subscriptions = new Map<string, { at: number; hooks: Promise<Subscription[]> }>()
  let closing = false
  let inFlight = 0
  const waiting: (() => void)[] = []

  /** Runs `task` once fewer than {@link MAX_CONCURRENT_DELIVERIES} run. */
  async function limited(task: () => Promise<void>): Promise<void> {
    if (inFlight >= MAX_CONCURRENT_DELIVERIES) await new Promise<void>((resolve) => waiting.push(resolve))
    inFlight++
    try {
      await task()
    } finally {
      inFlight--
      waiting.shift()?.()
    }
  }

  /** The tenant's subscriptions, read at most every {@link SUBSCRIPTIONS_TTL_MS}. */
  function getSubscriptions(db: TenantDb): Promise<Subscription[]> {
    const cached = subscriptions.get(db.tenantId)
    if (cached && Date.now() - cached.at < (options.subscriptionsTtlMs ?? SUBSCRIPTIONS_TTL_MS))
      return cached.hooks
    const hooks = db.rows<Subscription>(
      `SELECT id, url, secret, events FROM crm_webhooks FINAL WHERE tenant_id = {tenant:String}`,
    )
    subscriptions.set(db.tenantId, { at: Date.now(), hooks })
    hooks.catch(() => subscriptions.delete(db.tenantId))
    return hooks
  }

  /** Runs `send` in the background, logging its failure. */
  function track(task: Promise<void>, what: string): void {
    const logged = task.catch((error: unknown) => options.log.error({ err: error }, `could not send ${what}`))
    running.add(logged)
    void logged.finally(() => running.delete(logged))
  }

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

  /** One attempt, logged in `crm_webhook_deliveries`; resolves whether it was delivered (2xx). */
  async function attemptOnce(
    db: TenantDb,
    hook: { id: string; url: string; secret: string },
    event: string,
    body: string,
    deliveryId: string,
    attempt: number,
  ): Promise<boolean> {
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
    return !error
  }

  /**
   * The first attempt and the quick retries, in memory; then (or at once on close) the delivery
   * is kept in `crm_webhook_retries` for the later ones.
   */
  async function deliver(
    db: TenantDb,
    hook: { id: string; url: string; secret: string },
    event: string,
    body: string,
    deliveryId: string,
  ) {
    let attempt = 1
    for (; ; attempt += 1) {
      if (await attemptOnce(db, hook, event, body, deliveryId, attempt)) return
      const delay = delays[attempt - 1]
      if (delay === undefined || closing) break
      await sleep(delay)
      if (closing) break
    }
    const wait = laterDelays[0]
    if (wait === undefined) {
      options.log.warn({ webhook: hook.id, event }, 'webhook delivery failed after every retry')
      return
    }
    await scheduleDelivery(db, {
      deliveryId,
      webhookId: hook.id,
      event,
      body,
      attempt: attempt + 1,
      nextAt: Date.now() + wait,
    }).catch((cause: unknown) =>
      options.log.error(
        { err: cause, webhook: hook.id, event },
        'could not keep a failed webhook delivery for later',
      ),
    )
  }

  /** A kept delivery's next attempt: delivered, scheduled again, or abandoned past the last delay. */
  async function retryLater(db: TenantDb, pending: PendingDelivery): Promise<void> {
    const [hook] = await db.rows<{ id: string; url: string; secret: string }>(
      `SELECT id, url, secret FROM crm_webhooks FINAL WHERE tenant_id = {tenant:String} AND id = {id:String}`,
      { id: pending.webhookId },
    )
    if (
      hook &&
      !(await attemptOnce(db, hook, pending.event, pending.body, pending.deliveryId, pending.attempt))
    ) {
      // Later attempts are numbered after the quick ones: the first of them is delays.length + 2.
      const wait = laterDelays[Math.max(0, pending.attempt - delays.length - 1)]
      if (wait !== undefined) {
        await scheduleDelivery(db, { ...pending, attempt: pending.attempt + 1, nextAt: Date.now() + wait })
        return
      }
      options.log.warn(
        { webhook: hook.id, event: pending.event },
        'webhook delivery failed after every retry',
      )
    }
    await endDelivery(db, pending)
  }

  /** Delivers each item to the subscriptions of its event; `data` is made only for those it goes to. */
  async function send(db: TenantDb, items: readonly { event: string; data: () => unknown }[]): Promise<void> {
    const hooks = await getSubscriptions(db)
    const deliveries: Promise<void>[] = []
    for (const item of items) {
      let data: unknown
      for (const hook of hooks) {
        if (!hook.events.includes(item.event)) continue
        data ??= item.data()
        const deliveryId = createId()
        const body = JSON.stringify({
          id: deliveryId,
          event: item.event,
          createdAt: new Date().toISOString(),
          data,
        })
        deliveries.push(limited(() => deliver(db, hook, item.event, body, deliveryId)))
      }
    }
    await Promise.all(deliveries)
  }

  return {
    emit(db, event, data) {
      track(send(db, [{ event, data: () => data }]), `${event} webhooks`)
    },
    emitChanges(db, rows) {
      // The feed writes thousands of changes a batch: a row's data is made only once a
      // subscription wants it.
      const items = rows
        .filter((row) => CHANGE_EVENT_SET.has(String(row.action)))
        .map((row) => ({
          event: String(row.action),
          data: () => ({
            object: row.object,
            objectId: row.object_id,
            ...(row.contact_id ? { contactId: row.contact_id } : {}),
            actor: row.actor,
            requestId: row.request_id,
            at: `${String(row.at).replace(' ', 'T')}Z`,
            changes: JSON.parse(String(row.changes ?? '{}')) as unknown,
          }),
        }))
      if (items.length > 0) track(send(db, items), 'record-change webhooks')
    },
    forget(tenantId) {
      subscriptions.delete(tenantId)
    },
    async sendDue(client, openDb) {
      if (closing) return 0
      const due = await readDueDeliveries(client, Date.now(), 100)
      const task = Promise.all(
        due.map((pending) => limited(() => retryLater(openDb(pending.tenantId), pending))),
      ).then(() => undefined)
      track(task, 'webhook retries')
      await task.catch(() => undefined)
      return due.length
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
