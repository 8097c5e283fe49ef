/**
 * The CRM's errors: a stable `code` from `@rastro/schema` (the CRM's own `RASTRO_ERR_CRM_*` and the
 * shared auth/store ones) with the HTTP status it answers with, sent as RFC 9457 problem details.
 * Callers match on `code`, never on the class or the message.
 */
import { errorCodes, type ErrorCode } from '@rastro/schema'

/** An error with a stable code, its HTTP status and the input field to blame, if any. */
export class CrmError extends Error {
  readonly code: ErrorCode
  readonly statusCode: number
  /** Path of the input at fault (`email`, `inputs[3].email`, `If-Match`). */
  readonly field: string | undefined
  /** Seconds a client should wait before retrying (sent as `Retry-After`). */
  readonly retryAfterSeconds: number | undefined

  constructor(
    code: ErrorCode,
    message: string,
    options: { field?: string | undefined; retryAfterSeconds?: number | undefined; cause?: unknown } = {},
  ) {
    super(message, { cause: options.cause })
    this.name = 'CrmError'
    this.code = code
    this.statusCode = errorCodes[code].statusCode
    this.field = options.field
    this.retryAfterSeconds = options.retryAfterSeconds
  }
}

/**
 * Creates a {@link CrmError}; the message defaults to the catalogue's.
 *
 * @example throw createCrmError('RASTRO_ERR_CRM_NOT_FOUND', { message: 'no contact 0193…' })
 */
export function createCrmError(
  code: ErrorCode,
  options: {
    message?: string
    field?: string | undefined
    retryAfterSeconds?: number | undefined
    cause?: unknown
  } = {},
): CrmError {
  return new CrmError(code, options.message ?? errorCodes[code].message, options)
}

/** RFC 9457 §3 problem details, with Rastro's `code` and `field` extension members. */
export interface Problem {
  /** URI reference of the problem type: `/v1/crm/errors/<code>`, which answers its description. */
  type: string
  /** Short summary of the problem type (the catalogue's message). */
  title: string
  status: number
  /** What went wrong with this request. */
  detail: string
  /** The request path. */
  instance: string
  code: ErrorCode
  field?: string
}

/** The problem-details body of `error` for the request at `instance`. */
export function toProblem(error: CrmError, instance: string): Problem {
  return {
    type: `/v1/crm/errors/${error.code}`,
    title: errorCodes[error.code].message,
    status: error.statusCode,
    detail: error.message,
    instance,
    code: error.code,
    ...(error.field ? { field: error.field } : {}),
  }
}
