/**
 * The receiving side of Rastro's signed webhooks. Requests are signed here as the scheme says
 * (hex HMAC-SHA256 over `<timestamp>.<raw body>`), then received by a real HTTP server that reads
 * the raw body; and the real collector's forwarding signs deliveries that this verifier must
 * accept. (That check lives here, not in the collector's tests: this package's tests import the
 * collector, so the collector cannot depend on this one.)
 */
import { createHmac } from 'node:crypto'
import { createServer, type IncomingHttpHeaders } from 'node:http'
import type { AddressInfo } from 'node:net'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { orderCompleted, Rastro, verifyWebhookSignature, type VerifyWebhookResult } from '../src/index.js'
import { startCollector, WRITE_KEY, type RunningCollector } from './helpers/start-collector.js'

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

describe("verifyWebhookSignature on the collector's deliveries", () => {
  const received: { headers: IncomingHttpHeaders; rawBody: Buffer }[] = []
  const receiver = createServer((req, res) => {
    const chunks: Buffer[] = []
    req.on('data', (chunk: Buffer) => chunks.push(chunk))
    req.on('end', () => {
      received.push({ headers: req.headers, rawBody: Buffer.concat(chunks) })
      res.writeHead(204).end()
    })
  })
  let collector: RunningCollector

  beforeAll(async () => {
    await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve))
    const { port } = receiver.address() as AddressInfo
    collector = await startCollector([
      {
        id: 'shop-backend',
        type: 'webhook',
        url: `http://127.0.0.1:${port}/rastro`,
        secret,
        consent: 'none',
        events: ['Order Completed'],
        flushIntervalMs: 0,
      },
    ])
  })
  afterAll(async () => {
    await collector?.stop()
    receiver.close()
  })

  it('accepts what the collector signed with the secret, and nothing altered', async () => {
    const rastro = new Rastro({ writeKey: WRITE_KEY, host: collector.url, flushAt: 1 })
    const messageId = rastro.track(
      orderCompleted(
        { order_id: 'o-webhook-1', currency: 'EUR', products: [{ sku: 'beans', price: 24, quantity: 1 }] },
        { userId: 'u-1', traits: { email: 'ana@example.com' } },
      ),
    )
    await rastro.shutdown()
    const deadline = Date.now() + 15_000
    while (!received.some((hook) => hook.headers['x-rastro-event-id'] === messageId)) {
      if (Date.now() > deadline) throw new Error('the collector did not deliver the webhook')
      await new Promise((resolve) => setTimeout(resolve, 50))
    }
    const { headers, rawBody } = received.find((hook) => hook.headers['x-rastro-event-id'] === messageId)!
    expect(JSON.parse(rawBody.toString('utf8'))).toMatchObject({ event: 'Order Completed', messageId })

    const result = verifyWebhookSignature({ rawBody, headers, secret })
    expect(result).toEqual({ ok: true, timestamp: Number(headers['x-rastro-timestamp']) })
    const invalid = { ok: false, code: 'RASTRO_ERR_WEBHOOK_INVALID_SIGNATURE' }
    expect(verifyWebhookSignature({ rawBody, headers, secret: 'whsec_another_secret_0123' })).toMatchObject(
      invalid,
    )
    const altered = Buffer.from(rawBody.toString('utf8').replace('o-webhook-1', 'o-webhook-2'))
    expect(verifyWebhookSignature({ rawBody: altered, headers, secret })).toMatchObject(invalid)
  })
})
