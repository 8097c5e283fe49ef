/**
 * The contract between the forwarding runner and a destination (one file per destination type:
 * meta-destination.ts, ga4-destination.ts, webhook-destination.ts). A destination names and maps
 * events, validates them before anything is sent, sends batches and classifies each event's
 * answer as delivered, to retry, or dead (never retried: dead-lettered). The runner owns the log
 * cursor, the ledger, retries, windows and the audit.
 */
import type { DestinationConfig } from '../config/destination-schema.js'
import type { RastroErrorCode } from '../errors.js'
import type { Consent } from './get-consent.js'
import type { ForwardEvent, JsonRecord } from './forward-event.js'
import type { HttpAnswer } from './post-json.js'

/** A forwarding error code (`RASTRO_ERR_FORWARD_*`), recorded in the audit and the dead letters. */
export type ForwardErrorCode = Extract<RastroErrorCode, `RASTRO_ERR_FORWARD_${string}`>

/** One event for one destination, mapped and ready to send. Kept as is while it waits for a retry. */
export interface Delivery {
  /** Rastro's event id (`messageId`): the ledger key. */
  eventId: string
  /** The destination's event name (`Purchase`, `purchase`). */
  eventName: string
  /** Rastro's event name (`Order Completed`, or `page`). */
  sourceEvent: string
  /** When the event happened (epoch ms): the platform's window is measured from it. */
  eventTimeMs: number
  /** Attempts made before this one. */
  attempts: number
  /** The destination's payload for this event; personal data in it is already hashed where the destination wants it hashed. */
  item: JsonRecord
}

/** What became of one event in one attempt. */
export interface AttemptResult {
  delivery: Delivery
  outcome: 'delivered' | 'retry' | 'dead'
  errorCode?: ForwardErrorCode | undefined
  /** The destination's message (never a secret). */
  error?: string | undefined
  /** HTTP status; 0 when no answer came. */
  httpStatus: number
  /** The vendor's request id (`fbtrace_id`), when it gives one. */
  traceId: string
  latencyMs: number
  /** The destination's `Retry-After`, in ms. */
  retryAfterMs?: number | undefined
}

/** A mapped event, or why it cannot be sent. */
export type Prepared = { item: JsonRecord } | { invalid: string }

/** A consent category a destination needs, or `none`. */
export type ConsentCategory = 'analytics' | 'marketing' | 'none'

export interface Destination {
  readonly tenantId: string
  readonly config: DestinationConfig
  /** How old an event may be when it is sent (ms); older ones are dead-lettered. */
  readonly windowMs: number
  /** The consent an event needs to be forwarded here. */
  readonly consent: ConsentCategory
  /** The destination's name for a track or page call, or undefined when it does not take it. */
  nameEvent(type: string, event: string): string | undefined
  /** Maps and validates an event (consent already checked: `consent` tells what else it allows). */
  prepare(event: ForwardEvent, eventName: string, consent: Consent): Prepared
  /** Sends events (any number: the destination splits them into requests); one result per delivery. */
  send(deliveries: Delivery[]): Promise<AttemptResult[]>
  /** The item without what must not outlive the retry window (IP, user agent, click ids), for the dead letters. */
  redact(item: JsonRecord): JsonRecord
  /** Closes the connection pool. */
  close(): Promise<void>
}

/** Dependencies of a destination, with production defaults. */
export interface DestinationOptions {
  /** The clock (epoch ms). */
  now?: () => number
  /** `User-Agent` of requests. */
  userAgent?: string
}

/** One result per delivery, all alike. */
export function toResults(
  deliveries: readonly Delivery[],
  result: Omit<AttemptResult, 'delivery'>,
): AttemptResult[] {
  return deliveries.map((delivery) => ({ delivery, ...result }))
}

/** The results of a request that got no answer (refused, reset, timed out): retried. */
export function toNetworkFailure(
  deliveries: readonly Delivery[],
  error: unknown,
  latencyMs: number,
): AttemptResult[] {
  const code = (error as { code?: unknown }).code
  return toResults(deliveries, {
    outcome: 'retry',
    errorCode: 'RASTRO_ERR_FORWARD_UNAVAILABLE',
    error: `no answer: ${typeof code === 'string' ? code : (error as Error).name}`,
    httpStatus: 0,
    traceId: '',
    latencyMs,
  })
}

/**
 * The usual reading of an HTTP status for a destination without an error vocabulary of its own
 * (GA4, webhooks): 2xx delivered; 5xx and the `retryable` 4xx retried; 401 and 403 dead with an
 * auth or permission code; any other 4xx dead as rejected (shared/specs/forwarding.md §6 "Retry
 * policy": GA4 retries 429 only among 4xx).
 */
export function classifyHttpAnswer(
  answer: HttpAnswer,
  retryAfterMs: number | undefined,
  retryable: readonly number[],
): Omit<AttemptResult, 'delivery' | 'traceId'> {
  const { status, latencyMs } = answer
  if (status >= 200 && status < 300) return { outcome: 'delivered', httpStatus: status, latencyMs }
  const error = `HTTP ${status}${answer.body ? `: ${answer.body.slice(0, 300)}` : ''}`
  if (status >= 500 || retryable.includes(status)) {
    return {
      outcome: 'retry',
      errorCode: 'RASTRO_ERR_FORWARD_UNAVAILABLE',
      error,
      httpStatus: status,
      latencyMs,
      retryAfterMs,
    }
  }
  const errorCode =
    status === 401
      ? 'RASTRO_ERR_FORWARD_AUTH'
      : status === 403
        ? 'RASTRO_ERR_FORWARD_PERMISSION'
        : 'RASTRO_ERR_FORWARD_REJECTED'
  return { outcome: 'dead', errorCode, error, httpStatus: status, latencyMs }
}
