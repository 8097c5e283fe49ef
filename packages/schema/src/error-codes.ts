import { crmErrorCodes } from './crm-error-codes.js'

/**
 * Every error code the ingest and query APIs answer with, its HTTP status and what it means.
 * Codes are stable: callers match on `code`, never on the message, and a code is never reused
 * for another meaning. `docs/errors.md` lists them all; a test fails when the two drift apart.
 *
 * `RASTRO_ERR_EVENT_*` codes reject one event: in a batch it is listed in `rejected` and the
 * request still answers 200 with the other events stored; a single-event call (`/v1/track`…)
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
  RASTRO_ERR_INGEST_RATE_LIMITED: {
    statusCode: 429,
    message: 'Too many requests for this write key; retry after the given seconds.',
  },
  RASTRO_ERR_INGEST_BACKLOG_FULL: {
    statusCode: 503,
    message: 'The collector holds as many unstored events as it may; retry later.',
  },
  RASTRO_ERR_INGEST_DISK_FULL: {
    statusCode: 503,
    message: 'The collector is short of disk space; retry later.',
  },
  RASTRO_ERR_NOT_FOUND: { statusCode: 404, message: 'No such route.' },
  RASTRO_ERR_DESTINATION_NOT_FOUND: {
    statusCode: 404,
    message: 'The tenant has no enabled destination with this id.',
  },
  RASTRO_ERR_REPLAY_IN_PROGRESS: {
    statusCode: 409,
    message: 'A replay to this destination is already running; wait for it to finish.',
  },
  RASTRO_ERR_CRM_HOST_UNAVAILABLE: {
    statusCode: 503,
    message:
      "The fleet's CRM host, which this collector's CRM requests go to, cannot be reached; retry later.",
  },
  RASTRO_ERR_CRM_FEED_COLUMNS: {
    statusCode: 409,
    message:
      'The events sent to the CRM host have columns its version cannot read; upgrade the CRM host first.',
  },
  RASTRO_ERR_CRM_FEED_FAILED: {
    statusCode: 503,
    message: 'The CRM host could not write the events sent to it to its CRM; retry later.',
  },
  RASTRO_ERR_INTERNAL: { statusCode: 500, message: 'Internal error; see the collector log.' },
  RASTRO_ERR_EVENT_INVALID: {
    statusCode: 400,
    message: 'A field of the event is missing or has the wrong type.',
  },
  RASTRO_ERR_EVENT_NO_IDENTITY: {
    statusCode: 400,
    message: 'The event has neither userId nor anonymousId, and is not cookieless.',
  },
  RASTRO_ERR_EVENT_TOO_LARGE: { statusCode: 400, message: 'The event is larger than 32 KiB.' },
  RASTRO_ERR_EVENT_BATCH_LIMIT: { statusCode: 400, message: 'The event is past the 2,500th of its batch.' },
  RASTRO_ERR_DEVICE_UNSUPPORTED_MEDIA_TYPE: {
    statusCode: 415,
    message: 'A device frame must be sent as application/cbor.',
  },
  RASTRO_ERR_DEVICE_REVOKED: { statusCode: 403, message: 'The device key or the device is revoked.' },
  RASTRO_ERR_DEVICE_FRAME_TOO_LARGE: { statusCode: 413, message: 'The device frame is larger than 64 KiB.' },
  RASTRO_ERR_DEVICE_FRAME_TRUNCATED: { statusCode: 400, message: 'The device frame ends early.' },
  RASTRO_ERR_DEVICE_FRAME_CRC_MISMATCH: {
    statusCode: 400,
    message: "The device frame's CRC-32 does not match its bytes.",
  },
  RASTRO_ERR_DEVICE_FRAME_TRAILING_BYTES: {
    statusCode: 400,
    message: 'Bytes follow the records of the device frame.',
  },
  RASTRO_ERR_DEVICE_FRAME_VERSION: {
    statusCode: 400,
    message: "The device frame's protocol version is not supported.",
  },
  RASTRO_ERR_DEVICE_FRAME_INVALID: {
    statusCode: 400,
    message: 'A field of the device frame header or a record time is missing or wrong.',
  },
  RASTRO_ERR_DEVICE_CBOR_MALFORMED: { statusCode: 400, message: 'The device frame is not well-formed CBOR.' },
  RASTRO_ERR_DEVICE_CBOR_INDEFINITE_LENGTH: {
    statusCode: 400,
    message: 'The device frame uses an indefinite-length item.',
  },
  RASTRO_ERR_DEVICE_CBOR_TAG: { statusCode: 400, message: 'The device frame uses a CBOR tag.' },
  RASTRO_ERR_DEVICE_CBOR_TOO_DEEP: {
    statusCode: 400,
    message: 'The device frame nests deeper than 4 levels.',
  },
  RASTRO_ERR_DEVICE_CBOR_LENGTH_TOO_LARGE: {
    statusCode: 400,
    message: 'A length or count in the device frame is larger than the bytes left or the limit.',
  },
  RASTRO_ERR_DEVICE_CBOR_DUPLICATE_KEY: {
    statusCode: 400,
    message: 'A map in the device frame repeats a key.',
  },
  RASTRO_ERR_DEVICE_RECORD_INVALID: {
    statusCode: 400,
    message: 'A record of the device frame is not valid; the others were stored.',
  },
} as const satisfies Record<string, { statusCode: number; message: string }>

/** A stable `RASTRO_ERR_*` code of the ingest and query APIs. */
export type ErrorCode = keyof typeof errorCodes
