import { crmErrorCodes } from './crm-error-codes.js'

/**
 * Every error code the ingest and query APIs answer with, its HTTP status and what it means.
 * Codes are stable: callers match on `code`, never on the message, and a code is never reused
 * for another meaning. `docs/errors.md` lists them all; a test fails when the two drift apart.
 *
 * `RASTRO_ERR_EVENT_*` codes reject one event: in a batch it is listed in `rejected` and the
 * request still answers 200 with the other events stored; a single-event call (`/v1/track`…)
 * answers the code's 400. The other codes reject the whole request. The CRM API's own codes are in
 * `crm-error-codes.ts`.
 */
export const errorCodes = {
  ...crmErrorCodes,
  RASTRO_ERR_INGEST_INVALID_JSON: { statusCode: 400, message: 'The request body is not valid JSON.' },
  RASTRO_ERR_INGEST_INVALID_BODY: {
    statusCode: 400,
    message: 'The request body does not have the expected shape.',
  },
  RASTRO_ERR_INGEST_BODY_TOO_LARGE: {
    statusCode: 413,
    message: 'The request body is larger than the limit.',
  },
  RASTRO_ERR_INGEST_UNSUPPORTED_MEDIA_TYPE: {
    statusCode: 415,
    message: 'The Content-Type is not application/json or text/plain.',
  },
  RASTRO_ERR_INGEST_UNSUPPORTED_ENCODING: {
    statusCode: 415,
    message: 'The Content-Encoding is not gzip, deflate or identity.',
  },
  RASTRO_ERR_INGEST_ORIGIN_NOT_ALLOWED: {
    statusCode: 403,
    message: "The request's Origin is not in the site's allowed origins.",
  },
  RASTRO_ERR_AUTH_MISSING_KEY: { statusCode: 401, message: 'No key was sent.' },
  RASTRO_ERR_AUTH_INVALID_KEY: { statusCode: 401, message: 'The key is not known.' },
  RASTRO_ERR_AUTH_FORBIDDEN: { statusCode: 403, message: 'The key does not allow this operation.' },
  RASTRO_ERR_QUERY_INVALID: { statusCode: 400, message: 'The query parameters are not valid.' },
  RASTRO_ERR_QUERY_FAILED: { statusCode: 400, message: 'ClickHouse rejected the query.' },
  RASTRO_ERR_STORE_UNAVAILABLE: { statusCode: 503, message: 'ClickHouse is not available; retry later.' },
  RASTRO_ERR_NOT_FOUND: { statusCode: 404, message: 'No such route.' },
  RASTRO_ERR_INTERNAL: { statusCode: 500, message: 'Internal error; see the collector log.' },
  RASTRO_ERR_EVENT_INVALID: {
    statusCode: 400,
    message: 'A field of the event is missing or has the wrong type.',
  },
  RASTRO_ERR_EVENT_NO_IDENTITY: { statusCode: 400, message: 'The event has neither userId nor anonymousId.' },
  RASTRO_ERR_EVENT_TOO_LARGE: { statusCode: 400, message: 'The event is larger than 32 KiB.' },
  RASTRO_ERR_EVENT_BATCH_LIMIT: { statusCode: 400, message: 'The event is past the 2,500th of its batch.' },
} as const satisfies Record<string, { statusCode: number; message: string }>

/** A stable `RASTRO_ERR_*` code of the ingest and query APIs. */
export type ErrorCode = keyof typeof errorCodes
