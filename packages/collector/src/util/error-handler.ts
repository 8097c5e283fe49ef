/**
 * Maps every error to the API's answer `{ "error": { "code", "message", "field"? } }` in one
 * place: Rastro's own errors keep their code and status; Fastify's body errors become the
 * matching `RASTRO_ERR_INGEST_*` code; anything else is a bug, logged, and answered 500.
 * Every 429 and 503 carries `Retry-After` (Segment-compatible clients wait for it; analytics-node
 * falls back to a 60 s pause without it).
 */
import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify'
import { createError, RastroError } from '../errors.js'

const FASTIFY_CODES: Record<string, Parameters<typeof createError>[0]> = {
  FST_ERR_CTP_INVALID_CONTENT_LENGTH: 'RASTRO_ERR_INGEST_INVALID_BODY',
  FST_ERR_CTP_EMPTY_JSON_BODY: 'RASTRO_ERR_INGEST_INVALID_BODY',
  FST_ERR_CTP_INVALID_JSON_BODY: 'RASTRO_ERR_INGEST_INVALID_JSON',
}

function toRastroError(error: FastifyError, request: FastifyRequest): RastroError {
  if (error instanceof RastroError) return error
  // Fastify's words ("Unsupported Media Type") say what is wrong, not what to send.
  if (error.code === 'FST_ERR_CTP_INVALID_MEDIA_TYPE') {
    return createError('RASTRO_ERR_INGEST_UNSUPPORTED_MEDIA_TYPE', {
      message: `content type ${request.headers['content-type'] || '(none)'} is not taken: send application/json, or text/plain holding JSON`,
      field: 'content-type',
    })
  }
  if (error.code === 'FST_ERR_CTP_BODY_TOO_LARGE') {
    return createError('RASTRO_ERR_INGEST_BODY_TOO_LARGE', {
      message: `the body is over ${request.routeOptions.bodyLimit ?? 'the'} bytes, the most this endpoint takes (decompressed)`,
    })
  }
  const code = error.code ? FASTIFY_CODES[error.code] : undefined
  if (code) return createError(code, { message: error.message })
  // JSON.parse and secure-json-parse (`__proto__` keys) throw plain errors with status 400.
  if (
    error.statusCode === 400 &&
    (error instanceof SyntaxError || /JSON|prototype|constructor/i.test(error.message))
  ) {
    return createError('RASTRO_ERR_INGEST_INVALID_JSON', { message: error.message })
  }
  // The client closed the connection before its body was whole (a page unloading, a stop's cut):
  // no answer reaches it, and it is no bug of ours.
  if (error.code === 'ECONNRESET' && error.statusCode === 400) {
    return createError('RASTRO_ERR_INGEST_INVALID_BODY', {
      message: 'the client closed the request before its body ended',
    })
  }
  return createError('RASTRO_ERR_INTERNAL', { cause: error })
}

/** `Retry-After` (seconds) of a 429/503 whose error did not set one. */
export const DEFAULT_RETRY_AFTER_SECONDS = 5

export function handleError(error: FastifyError, request: FastifyRequest, reply: FastifyReply): void {
  const rastroError = toRastroError(error, request)
  // Overload answers (503 + Retry-After) are expected under load: counted in /metrics, their
  // cause logged once where it happens (the log, the writer), not once per refused request.
  const { retryAfterSeconds, statusCode } = rastroError
  if (statusCode >= 500 && retryAfterSeconds === undefined)
    request.log.error({ err: error }, rastroError.message)
  if (retryAfterSeconds !== undefined) reply.header('retry-after', String(retryAfterSeconds))
  else if (statusCode === 429 || statusCode === 503)
    reply.header('retry-after', String(DEFAULT_RETRY_AFTER_SECONDS))
  reply.code(rastroError.statusCode).send({
    error: {
      code: rastroError.code,
      message: rastroError.message,
      ...(rastroError.field ? { field: rastroError.field } : {}),
    },
  })
}

export function handleNotFound(request: FastifyRequest, reply: FastifyReply): void {
  reply.code(404).send({
    error: {
      code: 'RASTRO_ERR_NOT_FOUND',
      message: `no route ${request.method} ${request.url.split('?')[0]}`,
    },
  })
}
