import { describe, expect, it } from 'vitest'
import { getRetryAfterMs, isRetryable, sendBatch } from '../src/transport/send-batch.js'
import { createFakeFetch } from './fixtures/create-fake-window.js'

const now = () => Date.UTC(2026, 0, 1)
const body = JSON.stringify({
  writeKey: 'wk',
  sentAt: new Date(now()).toISOString(),
  batch: [{ type: 'track' }],
})

describe('sendBatch', () => {
  it('posts text/plain with keepalive (a CORS-simple request: no preflight)', async () => {
    const { fetch, requests } = createFakeFetch()
    const result = await sendBatch('https://t.example/v1/batch', body, fetch, now)
    expect(result).toMatchObject({ _ok: true, _retry: false, _status: 200, _body: { ok: true } })
    expect(requests[0]!.url).toBe('https://t.example/v1/batch')
    expect(requests[0]!.init).toMatchObject({
      method: 'POST',
      headers: { 'Content-Type': 'text/plain' },
      body,
      keepalive: true,
    })
  })

  it.each([400, 401, 403, 404, 413, 415, 422])('never retries %i', async (status) => {
    const { fetch } = createFakeFetch([{ status }])
    expect(await sendBatch('/v1/batch', body, fetch, now)).toMatchObject({
      _ok: false,
      _retry: false,
      _status: status,
    })
  })

  it.each([408, 429, 500, 502, 503, 504])('retries %i', async (status) => {
    const { fetch } = createFakeFetch([{ status }])
    expect(await sendBatch('/v1/batch', body, fetch, now)).toMatchObject({
      _ok: false,
      _retry: true,
      _status: status,
    })
  })

  it('retries network errors (also what a CORS refusal looks like)', async () => {
    const { fetch } = createFakeFetch(['network-error'])
    expect(await sendBatch('/v1/batch', body, fetch, now)).toMatchObject({
      _ok: false,
      _retry: true,
      _status: 0,
    })
  })

  it('reads Retry-After and tolerates a body that is not JSON', async () => {
    const fetch = async () => new Response('busy', { status: 503, headers: { 'Retry-After': '7' } })
    expect(await sendBatch('/v1/batch', body, fetch, now)).toMatchObject({
      _retry: true,
      _retryAfterMs: 7000,
      _body: undefined,
    })
  })
})

describe('getRetryAfterMs', () => {
  it('reads delay-seconds and HTTP dates, and ignores nonsense', () => {
    expect(getRetryAfterMs('120', now())).toBe(120_000)
    expect(getRetryAfterMs(new Date(now() + 5000).toUTCString(), now())).toBe(5000)
    expect(getRetryAfterMs(new Date(now() - 5000).toUTCString(), now())).toBe(0)
    expect(getRetryAfterMs(null, now())).toBe(0)
    expect(getRetryAfterMs('soon', now())).toBe(0)
    expect(getRetryAfterMs('0', now())).toBe(0)
  })

  it('classifies statuses', () => {
    expect([0, 200, 400, 429, 500].map(isRetryable)).toEqual([true, false, false, true, true])
  })
})
