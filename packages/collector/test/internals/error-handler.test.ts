import Fastify from 'fastify'
import { describe, expect, it } from 'vitest'
import { createError } from '../../src/errors.js'
import { DEFAULT_RETRY_AFTER_SECONDS, handleError } from '../../src/util/error-handler.js'

describe('handleError', () => {
  it('sends Retry-After on every 503, the error’s own or the default', async () => {
    const app = Fastify({ logger: false })
    app.setErrorHandler(handleError)
    app.get('/own', async () => {
      throw createError('RASTRO_ERR_STORE_UNAVAILABLE', { retryAfterSeconds: 30 })
    })
    app.get('/default', async () => {
      throw createError('RASTRO_ERR_STORE_UNAVAILABLE')
    })
    app.get('/bad', async () => {
      throw createError('RASTRO_ERR_QUERY_INVALID', { field: 'from' })
    })
    const own = await app.inject('/own')
    const fallback = await app.inject('/default')
    const bad = await app.inject('/bad')
    await app.close()
    expect([own.statusCode, own.headers['retry-after']]).toEqual([503, '30'])
    expect([fallback.statusCode, fallback.headers['retry-after']]).toEqual([
      503,
      String(DEFAULT_RETRY_AFTER_SECONDS),
    ])
    expect([bad.statusCode, bad.headers['retry-after']]).toEqual([400, undefined])
    expect(bad.json()).toEqual({
      error: { code: 'RASTRO_ERR_QUERY_INVALID', message: expect.any(String), field: 'from' },
    })
  })

  it('answers a body the client broke off as a bad body, not as a bug', async () => {
    const logged: string[] = []
    const stream = { write: (line: string) => void logged.push(line) }
    const app = Fastify({ logger: { level: 'error', stream } })
    app.setErrorHandler(handleError)
    app.get('/aborted', async () => {
      // What Fastify's body reader throws when the connection closes mid-body.
      throw Object.assign(new Error('aborted'), { code: 'ECONNRESET', statusCode: 400 })
    })
    app.get('/bug', async () => {
      throw new TypeError('undefined is not a function')
    })
    const aborted = await app.inject('/aborted')
    expect([aborted.statusCode, aborted.json().error.code]).toEqual([400, 'RASTRO_ERR_INGEST_INVALID_BODY'])
    expect(logged).toEqual([])
    const bug = await app.inject('/bug')
    await app.close()
    expect([bug.statusCode, bug.json().error.code]).toEqual([500, 'RASTRO_ERR_INTERNAL'])
    expect(logged).toHaveLength(1)
  })
})
