/**
 * Maps every error of a CRM route to RFC 9457 problem details (`application/problem+json`) in one
 * place: CRM errors keep their code and status; Fastify's body errors become the matching
 * `RASTRO_ERR_CRM_*` code; anything else is a bug, logged, and answered 500.
 */
import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify'
import { createCrmError, CrmError, toProblem } from '../errors.js'

function toCrmError(error: FastifyError): CrmError {
  if (error instanceof CrmError) return error
  switch (error.code) {
    case 'FST_ERR_CTP_BODY_TOO_LARGE':
      return createCrmError('RASTRO_ERR_CRM_BODY_TOO_LARGE', { message: error.message })
    case 'FST_ERR_CTP_INVALID_MEDIA_TYPE':
      return createCrmError('RASTRO_ERR_CRM_UNSUPPORTED_MEDIA_TYPE', { message: error.message })
  }
  // Body parser errors (bad JSON, empty body with a JSON type, `__proto__` keys) are the client's.
  if (error.statusCode !== undefined && error.statusCode >= 400 && error.statusCode < 500) {
    return createCrmError('RASTRO_ERR_CRM_INVALID_INPUT', { message: error.message, field: 'body' })
  }
  return createCrmError('RASTRO_ERR_INTERNAL', { cause: error })
}

/** Fastify error handler of the CRM's routes. */
export function handleCrmError(error: FastifyError, request: FastifyRequest, reply: FastifyReply): void {
  const crmError = toCrmError(error)
  if (crmError.statusCode >= 500) request.log.error({ err: error }, crmError.message)
  if (crmError.retryAfterSeconds !== undefined)
    reply.header('retry-after', String(crmError.retryAfterSeconds))
  reply
    .code(crmError.statusCode)
    .type('application/problem+json')
    .send(toProblem(crmError, request.url.split('?')[0]!))
}

/** Not-found handler under `/v1/crm`. */
export function handleCrmNotFound(request: FastifyRequest, reply: FastifyReply): void {
  const error = createCrmError('RASTRO_ERR_NOT_FOUND', {
    message: `no route ${request.method} ${request.url.split('?')[0]}`,
  })
  reply
    .code(404)
    .type('application/problem+json')
    .send(toProblem(error, request.url.split('?')[0]!))
}
