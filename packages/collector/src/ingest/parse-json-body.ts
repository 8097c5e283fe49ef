/**
 * The ingest routes' body parser, for `application/json` and `text/plain` (what `sendBeacon` and
 * CORS-simple requests send): `secure-json-parse`, as Fastify's own, refusing `__proto__` and
 * `constructor.prototype` keys (prototype pollution), but saying which fault it found, where
 * Fastify answers every one with "Body is not valid JSON".
 */
import type { FastifyRequest } from 'fastify'
import secureJson from 'secure-json-parse'
import { createError } from '../errors.js'

const PARSE_OPTIONS = { protoAction: 'error', constructorAction: 'error' } as const

/**
 * Parses `body` for Fastify's `addContentTypeParser` (`parseAs: 'string'`).
 * Errors: `RASTRO_ERR_INGEST_INVALID_BODY` for an empty body, `RASTRO_ERR_INGEST_INVALID_JSON`
 * (naming the fault) for text that is not JSON or holds a forbidden key.
 */
export function parseJsonBody(
  _request: FastifyRequest,
  body: string | Buffer,
  done: (error: Error | null, value?: unknown) => void,
): void {
  const text = typeof body === 'string' ? body : body.toString('utf8')
  if (text === '') {
    done(createError('RASTRO_ERR_INGEST_INVALID_BODY', { message: 'the body is empty: send a JSON object' }))
    return
  }
  let value: unknown
  try {
    value = secureJson.parse(text, PARSE_OPTIONS)
  } catch (error) {
    const message = (error as Error).message
    done(
      createError('RASTRO_ERR_INGEST_INVALID_JSON', {
        message: /forbidden (prototype|constructor) property/.test(message)
          ? 'the body has a "__proto__" or "constructor" key, which is refused'
          : `the body is not valid JSON: ${message}`,
      }),
    )
    return
  }
  done(null, value)
}
