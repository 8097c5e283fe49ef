/**
 * The collector's errors. Every error carries a stable `code` (`RASTRO_ERR_*`) and the HTTP status
 * it answers with; callers match on `code`, not on the class. The API codes are the wire contract
 * in `@rastro/schema`; the codes below are the collector's own (start-up and internal).
 * All are listed in docs/errors.md (test/internals/errors.test.ts keeps the two in step).
 */
import { errorCodes as apiErrorCodes } from '@rastro/schema'

/**
 * Codes of start-up problems (they stop the collector) and of forwarding outcomes (recorded in the
 * forwarding tables); none reaches an HTTP client as an answer.
 */
export const collectorErrorCodes = {
  RASTRO_ERR_CONFIG_INVALID: { statusCode: 500, message: 'The configuration is not valid.' },
  RASTRO_ERR_CONFIG_NOT_FOUND: { statusCode: 500, message: 'The configuration file cannot be read.' },
  RASTRO_ERR_STORE_OPEN_FAILED: {
    statusCode: 500,
    message:
      'ClickHouse cannot be opened: another process holds the embedded data directory, or it is not writable; or the server cannot be reached, or lacks the database.',
  },
  // Forwarding outcomes: recorded in `forward_log`, `forward_dead_letters` and `GET /v1/destinations`.
  RASTRO_ERR_FORWARD_UNAVAILABLE: {
    statusCode: 503,
    message: 'The destination could not be reached or answered with a retryable error; the event is retried.',
  },
  RASTRO_ERR_FORWARD_REJECTED: { statusCode: 400, message: 'The destination refused the event as invalid.' },
  RASTRO_ERR_FORWARD_AUTH: {
    statusCode: 401,
    message: "The destination refused the destination's credentials.",
  },
  RASTRO_ERR_FORWARD_PERMISSION: {
    statusCode: 403,
    message: "The destination's credentials lack a permission the request needs.",
  },
  RASTRO_ERR_FORWARD_INVALID_EVENT: {
    statusCode: 400,
    message: "The event does not meet the destination's rules; it was not sent.",
  },
  RASTRO_ERR_FORWARD_WINDOW_EXPIRED: {
    statusCode: 410,
    message: 'The event left the time window the destination accepts before it could be delivered.',
  },
} as const

/** Every code the collector can produce. */
export const allErrorCodes = { ...apiErrorCodes, ...collectorErrorCodes }

export type RastroErrorCode = keyof typeof allErrorCodes

/** An error with a stable code, the HTTP status it maps to, and the field to blame if any. */
export class RastroError extends Error {
  readonly code: RastroErrorCode
  readonly statusCode: number
  readonly field: string | undefined
  /** Seconds a client should wait before retrying (sent as `Retry-After`). */
  readonly retryAfterSeconds: number | undefined

  constructor(
    code: RastroErrorCode,
    message: string,
    options: { field?: string | undefined; retryAfterSeconds?: number; cause?: unknown } = {},
  ) {
    super(message, { cause: options.cause })
    this.name = 'RastroError'
    this.code = code
    this.statusCode = allErrorCodes[code].statusCode
    this.field = options.field
    this.retryAfterSeconds = options.retryAfterSeconds
  }
}

/**
 * Creates a {@link RastroError}; the message defaults to the catalogue's.
 *
 * @example throw createError('RASTRO_ERR_INGEST_INVALID_BODY', { field: 'batch', message: 'batch must be an array' })
 */
export function createError(
  code: RastroErrorCode,
  options: { message?: string; field?: string | undefined; retryAfterSeconds?: number; cause?: unknown } = {},
): RastroError {
  return new RastroError(code, options.message ?? allErrorCodes[code].message, options)
}
