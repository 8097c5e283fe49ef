/**
 * Signed webhooks for n8n, Zapier or a shop's backend: one JSON POST per event, the event in
 * Segment's shape (`type`, `event`, `messageId`, `properties`, `context`…), signed with
 * HMAC-SHA256 ({@link signWebhook}) and carrying `X-Rastro-Event-Id` so a receiver can drop a
 * retried copy. Any 2xx is a delivery; 408, 425, 429, 5xx and no answer are retried; other 4xx
 * are dead-lettered.
 */
import { signWebhook } from '@rastro/crm-api'
import type { WebhookDestinationConfig } from '../config/destination-schema.js'
import {
  classifyHttpAnswer,
  toNetworkFailure,
  type AttemptResult,
  type Delivery,
  type Destination,
  type DestinationOptions,
  type Prepared,
} from './destination.js'
import type { ForwardEvent, JsonRecord } from './forward-event.js'
import { parseRetryAfter } from './get-retry-delay.js'
import { createEventNamer } from './map-event.js'
import { mapConcurrently } from './map-concurrently.js'
import { createHttpPool, postJson } from './post-json.js'

/** 4xx answers retried: request timeout, too early, too many requests. */
const WEBHOOK_RETRYABLE = [408, 425, 429]

/** Header with Rastro's event id (`messageId`), the same on every retry. */
export const EVENT_ID_HEADER = 'x-rastro-event-id'

export class WebhookDestination implements Destination {
  readonly tenantId: string
  readonly config: WebhookDestinationConfig
  readonly windowMs: number
  readonly consent: WebhookDestinationConfig['consent']
  readonly nameEvent: (type: string, event: string) => string | undefined
  readonly #now: () => number
  readonly #userAgent: string
  readonly #pool

  constructor(tenantId: string, config: WebhookDestinationConfig, options: DestinationOptions = {}) {
    this.tenantId = tenantId
    this.config = config
    this.windowMs = config.windowHours * 3600 * 1000
    this.consent = config.consent
    this.nameEvent = createEventNamer('webhook', config)
    this.#now = options.now ?? Date.now
    this.#userAgent = options.userAgent ?? 'rastro-collector'
    this.#pool = createHttpPool(config.concurrency, config.timeoutMs)
  }

  prepare(event: ForwardEvent): Prepared {
    const item: JsonRecord = { type: event.type, messageId: event.messageId }
    if (event.type === 'track') item.event = event.event
    if (event.type === 'page') item.name = event.name
    if (event.anonymousId) item.anonymousId = event.anonymousId
    if (event.userId) item.userId = event.userId
    item.timestamp = new Date(event.timestampMs).toISOString()
    item.receivedAt = new Date(event.receivedAtMs).toISOString()
    item.properties = event.properties
    if (Object.keys(event.traits).length > 0) item.traits = event.traits
    item.context = event.context
    return { item }
  }

  send(deliveries: Delivery[]): Promise<AttemptResult[]> {
    return mapConcurrently(deliveries, this.config.concurrency, (delivery) => this.#post(delivery))
  }

  async #post(delivery: Delivery): Promise<AttemptResult> {
    const body = JSON.stringify(delivery.item)
    const headers = {
      ...signWebhook(body, this.config.secret, this.#now()),
      [EVENT_ID_HEADER]: delivery.eventId,
      'user-agent': this.#userAgent,
    }
    const started = performance.now()
    try {
      const answer = await postJson(this.#pool, this.config.url, body, {
        timeoutMs: this.config.timeoutMs,
        headers,
      })
      const retryAfterMs = parseRetryAfter(answer.headers['retry-after'], this.#now())
      return { delivery, ...classifyHttpAnswer(answer, retryAfterMs, WEBHOOK_RETRYABLE), traceId: '' }
    } catch (error) {
      return toNetworkFailure([delivery], error, Math.round(performance.now() - started))[0]!
    }
  }

  redact(item: JsonRecord): JsonRecord {
    const { context, ...rest } = item
    const { ip: _ip, userAgent: _userAgent, fbc: _fbc, fbp: _fbp, ...kept } = (context ?? {}) as JsonRecord
    return { ...rest, context: kept }
  }

  close(): Promise<void> {
    return this.#pool.close()
  }
}
