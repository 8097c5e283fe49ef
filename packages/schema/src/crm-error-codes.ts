/**
 * Error codes of the CRM API (`@rastro/crm-api`, routes under `/v1/crm`). The CRM answers errors
 * as RFC 9457 problem details (`application/problem+json`) whose `code` member is one of these or
 * one of the shared codes (`RASTRO_ERR_AUTH_*`, `RASTRO_ERR_STORE_UNAVAILABLE`, …). Listed in
 * `docs/errors.md` with the others.
 */
export const crmErrorCodes = {
  RASTRO_ERR_CRM_INVALID_INPUT: {
    statusCode: 400,
    message: 'A parameter, header or body field is not valid.',
  },
  RASTRO_ERR_CRM_NOT_FOUND: { statusCode: 404, message: 'No such record in this tenant.' },
  RASTRO_ERR_CRM_CONFLICT: { statusCode: 409, message: 'The change conflicts with existing records.' },
  RASTRO_ERR_CRM_VERSION_CONFLICT: {
    statusCode: 412,
    message: 'The record changed since the version given in If-Match.',
  },
  RASTRO_ERR_CRM_BODY_TOO_LARGE: { statusCode: 413, message: 'The request body is larger than the limit.' },
  RASTRO_ERR_CRM_UNSUPPORTED_MEDIA_TYPE: {
    statusCode: 415,
    message: 'The Content-Type is not accepted by this endpoint.',
  },
  RASTRO_ERR_CRM_SUPPRESSED: {
    statusCode: 422,
    message: 'The person was erased under GDPR and may not be re-created.',
  },
  RASTRO_ERR_CRM_IDEMPOTENCY_MISMATCH: {
    statusCode: 422,
    message: 'The Idempotency-Key was used with a different request.',
  },
  RASTRO_ERR_CRM_IDEMPOTENCY_IN_PROGRESS: {
    statusCode: 409,
    message: 'A request with this Idempotency-Key is still being processed.',
  },
  RASTRO_ERR_CRM_RATE_LIMITED: { statusCode: 429, message: 'Too many requests for this key; retry later.' },
} as const satisfies Record<string, { statusCode: number; message: string }>

/** A `RASTRO_ERR_CRM_*` code. */
export type CrmErrorCode = keyof typeof crmErrorCodes
