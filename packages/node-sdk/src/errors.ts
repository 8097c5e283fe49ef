/**
 * The SDK's errors. Each has a stable `code` (`RASTRO_ERR_NODE_*`, `RASTRO_ERR_WEBHOOK_*`), listed
 * in docs/errors.md (test/internals/errors.test.ts keeps the two in step). Match on `code`, not on
 * the class or the message.
 */
import type { RastroEvent } from '@rastro/schema/types'

/** Every code the SDK reports, with what it means. */
export const nodeErrorCodes = {
  RASTRO_ERR_NODE_INVALID_OPTION: 'An option of `new Rastro()` is missing or invalid.',
  RASTRO_ERR_NODE_EVENT_INVALID: 'A call misses a required field or has one of the wrong type.',
  RASTRO_ERR_NODE_EVENT_TOO_LARGE: 'An event is larger than 32 KiB as JSON.',
  RASTRO_ERR_NODE_QUEUE_FULL: 'The queue already holds `maxQueueSize` events.',
  RASTRO_ERR_NODE_CLOSED: 'A call came after `shutdown()`.',
  RASTRO_ERR_NODE_EVENT_REJECTED: 'The collector rejected the event.',
  RASTRO_ERR_NODE_REQUEST_REJECTED: 'The collector answered a 4xx that no retry can fix.',
  RASTRO_ERR_NODE_RETRIES_EXHAUSTED: 'Delivery still failed after `maxRetries` retries.',
  RASTRO_ERR_NODE_SHUTDOWN_TIMEOUT: '`shutdown({ timeout })` ran out of time before delivery.',
  RASTRO_ERR_WEBHOOK_MISSING_HEADER: 'A webhook request lacks X-Rastro-Signature or X-Rastro-Timestamp.',
  RASTRO_ERR_WEBHOOK_TIMESTAMP_OUT_OF_RANGE:
    "A webhook's timestamp is not a number or is outside the tolerance.",
  RASTRO_ERR_WEBHOOK_INVALID_SIGNATURE: "A webhook's signature does not match its body and secret.",
} as const

/** A stable code of the SDK. */
export type NodeErrorCode = keyof typeof nodeErrorCodes

/** Details of a {@link RastroNodeError}; all optional. */
export interface RastroNodeErrorDetails {
  /** The events that were dropped, as they were (or would have been) sent. */
  events?: RastroEvent[]
  /** HTTP status of the collector's answer, when one came. */
  status?: number
  /** The collector's own `RASTRO_ERR_*` code, from its error body or its `rejected` list. */
  collectorCode?: string
  /** The field to blame, e.g. `event` or `properties.currency`. */
  field?: string
  cause?: unknown
}

/**
 * An SDK error. Delivery problems are never thrown: they reach `onError` and the `'error'` event
 * with the dropped `events`. Only the constructor (bad options) and the conversion helpers (bad
 * properties) throw, since both are programming errors best found at once.
 */
export class RastroNodeError extends Error {
  readonly code: NodeErrorCode
  /** The dropped events; empty when the error is not about events. */
  readonly events: RastroEvent[]
  readonly status: number | undefined
  readonly collectorCode: string | undefined
  readonly field: string | undefined

  constructor(code: NodeErrorCode, message: string, details: RastroNodeErrorDetails = {}) {
    super(message, { cause: details.cause })
    this.name = 'RastroNodeError'
    this.code = code
    this.events = details.events ?? []
    this.status = details.status
    this.collectorCode = details.collectorCode
    this.field = details.field
  }
}

/** Creates a {@link RastroNodeError}; the message defaults to the catalogue's. */
export function createError(
  code: NodeErrorCode,
  details: RastroNodeErrorDetails & { message?: string } = {},
): RastroNodeError {
  return new RastroNodeError(code, details.message ?? nodeErrorCodes[code], details)
}
