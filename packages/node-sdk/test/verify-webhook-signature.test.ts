/**
 * The receiving side of Rastro's signed webhooks. Requests are signed here the way the collector's
 * forwarding signs them (hex HMAC-SHA256 over `<timestamp>.<raw body>`), then received by a real
 * HTTP server that reads the raw body.
 */
import { createHmac } from 'node:crypto'
import { createServer } from 'node:http'
import type { AddressInfo } from 'node:net'
import { describe, expect, it } from 'vitest'
import { verifyWebhookSignature, type VerifyWebhookResult } from '../src/index.js'

const secret = 'whsec_test_0123456789abcdef'
const body = '{"type":"track","event":"Order Completed","properties":{"order_id":"o-1","value":25}}'
const nowMs = Date.parse('2026-11-22T10:00:00Z')
const now = Math.floor(nowMs / 1000)

function sign(payload: string | Buffer, timestamp: number, key = secret): Record<string, string> {
  const signature = createHmac('sha256', key).update(`${timestamp}.`).update(payload).digest('hex')
  return { 'x-rastro-signature': signature, 'x-rastro-timestamp': String(timestamp) }
}

const verify = (options: Partial<Parameters<typeof verifyWebhookSignature>[0]>) =>
  verifyWebhookSignature({ rawBody: body, headers: sign(body, now), secret, nowMs, ...options })

describe('verifyWebhookSignature', () => {
  it('accepts a request signed with the secret, as received by an HTTP server', async () => {
    let result: VerifyWebhookResult | undefined
    const server = createServer((req, res) => {
      const chunks: Buffer[] = []
      req.on('data', (chunk: Buffer) => chunks.push(chunk))
      req.on('end', () => {
        result = verifyWebhookSignature({ rawBody: Buffer.concat(chunks), headers: req.headers, secret })
        res.end()
      })
    })
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
    const { port } = server.address() as AddressInfo
    const timestamp = Math.floor(Date.now() / 1000)
    await fetch(`http://127.0.0.1:${port}/hook`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...sign(body, timestamp) },
      body,
    })
    server.close()
    expect(result).toEqual({ ok: true, timestamp })
  })

  it('reads fetch Headers and takes any of several secrets while one is rotated', () => {
    expect(verify({ headers: new Headers(sign(body, now)) })).toEqual({ ok: true, timestamp: now })
    expect(verify({ headers: sign(body, now, 'whsec_new'), secret: ['whsec_new', secret] })).toMatchObject({
      ok: true,
    })
    expect(verify({ headers: sign(body, now, 'whsec_old'), secret: ['whsec_new', secret] })).toMatchObject({
      ok: false,
      code: 'RASTRO_ERR_WEBHOOK_INVALID_SIGNATURE',
    })
  })

  it('refuses a changed body, a wrong secret, an empty secret and a malformed signature', () => {
    const invalid = { ok: false, code: 'RASTRO_ERR_WEBHOOK_INVALID_SIGNATURE' }
    expect(verify({ rawBody: body.replace('25', '2500') })).toMatchObject(invalid)
    expect(verify({ secret: 'whsec_other' })).toMatchObject(invalid)
    expect(verify({ secret: '', headers: sign(body, now, '') })).toMatchObject(invalid)
    expect(verify({ headers: { ...sign(body, now), 'x-rastro-signature': 'abc' } })).toMatchObject(invalid)
    // The same signature for another timestamp is another message.
    expect(verify({ headers: { ...sign(body, now), 'x-rastro-timestamp': String(now - 1) } })).toMatchObject(
      invalid,
    )
  })

  it('refuses timestamps outside the tolerance (300 s by default) and missing headers', () => {
    const late = { ok: false, code: 'RASTRO_ERR_WEBHOOK_TIMESTAMP_OUT_OF_RANGE' }
    expect(verify({ headers: sign(body, now - 300) })).toMatchObject({ ok: true })
    expect(verify({ headers: sign(body, now - 301) })).toMatchObject(late)
    expect(verify({ headers: sign(body, now + 301) })).toMatchObject(late)
    expect(verify({ headers: sign(body, now - 3_600), toleranceSeconds: 7_200 })).toMatchObject({ ok: true })
    expect(verify({ headers: { ...sign(body, now), 'x-rastro-timestamp': '1.7e9' } })).toMatchObject(late)
    expect(verify({ headers: { 'x-rastro-timestamp': String(now) } })).toMatchObject({
      ok: false,
      code: 'RASTRO_ERR_WEBHOOK_MISSING_HEADER',
    })
  })
})
