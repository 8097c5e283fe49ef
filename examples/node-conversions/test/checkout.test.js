/**
 * The example as its README runs it: the checkout endpoint, called with the browser SDK's and
 * Meta's cookies, lands an Order Completed in the real collector with the visitor's ids and
 * consent, and forwarding takes it to an ad platform only when the visitor allowed marketing (a
 * webhook that needs marketing consent stands in for Meta here).
 */
import { Buffer } from 'node:buffer'
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { createServer } from 'node:http'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { setTimeout as sleep } from 'node:timers/promises'
import { createServer as createCollector, loadConfig } from '@rastro/collector'
import { Rastro } from '@rastro/node'
import { afterAll, beforeAll, expect, it } from 'vitest'
import { createApp } from '../create-app.js'

let collector
let dataDir
/** Bodies the stand-in ad platform received. */
const forwarded = []
const adPlatform = createServer((request, response) => {
  const chunks = []
  request.on('data', (chunk) => chunks.push(chunk))
  request.on('end', () => {
    forwarded.push(JSON.parse(Buffer.concat(chunks).toString('utf8')))
    response.writeHead(204).end()
  })
})

beforeAll(async () => {
  await new Promise((resolve) => adPlatform.listen(0, '127.0.0.1', resolve))
  dataDir = mkdtempSync(join(tmpdir(), 'rastro-example-'))
  // The demo config of the repo, so the README's write key is the one under test, plus a destination.
  const demo = JSON.parse(readFileSync(join(import.meta.dirname, '../../rastro.config.json'), 'utf8'))
  demo.tenants[0].destinations = [
    {
      id: 'ads',
      type: 'webhook',
      url: `http://127.0.0.1:${adPlatform.address().port}/conversions`,
      secret: 'whsec_example_0123456789',
      consent: 'marketing',
      events: ['Order Completed'],
      flushIntervalMs: 0,
    },
  ]
  const configPath = join(dataDir, 'rastro.config.json')
  writeFileSync(configPath, JSON.stringify(demo))
  const config = loadConfig({
    configPath,
    env: {},
    flags: { dataDir, port: 0, host: '127.0.0.1', flushIntervalMs: 50, logLevel: 'warn' },
  })
  collector = await createCollector({ config, logger: false })
  await collector.listen({ port: 0, host: '127.0.0.1' })
})
afterAll(async () => {
  await collector?.close()
  adPlatform.close()
  if (dataDir) rmSync(dataDir, { recursive: true, force: true })
})

/** `rastro_consent` as `@rastro/browser` writes it when the visitor chooses. */
const consentCookie = (choice) => `rastro_consent=${encodeURIComponent(JSON.stringify(choice))}`

/** Checks out one cart with these cookies; returns the answer. */
async function checkout(cookie) {
  const { port } = collector.server.address()
  const rastro = new Rastro({ host: `http://127.0.0.1:${port}`, writeKey: 'wk_demo_server' })
  const app = createApp({ rastro, logger: false })
  const response = await app.inject({
    method: 'POST',
    url: '/checkout',
    headers: { cookie, 'user-agent': 'Mozilla/5.0 (X11; Linux x86_64) Firefox/128.0' },
    payload: {
      email: 'ana@example.com',
      items: [{ sku: 'beans-1kg', name: 'Beans 1 kg', price: 24, quantity: 2 }],
    },
  })
  expect(response.statusCode).toBe(200)
  // Closing the app delivers what its client queued.
  await app.close()
  return response.json()
}

async function query(sql, params) {
  const result = await collector.store.client.query({
    query: sql,
    query_params: params,
    format: 'JSONEachRow',
  })
  return result.json()
}

async function waitFor(what, check) {
  const deadline = Date.now() + 15_000
  for (;;) {
    const value = await check()
    if (value) return value
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`)
    await sleep(50)
  }
}

it('sends Order Completed with the ids and consent of the visitor who checked out, and forwards it', async () => {
  const { orderId, messageId } = await checkout(
    [
      'rastro_aid=visitor-1',
      'rastro_sid=session-1.1795300000000',
      consentCookie({ analytics: true, marketing: true }),
      '_fbp=fb.1.1700000000000.42',
    ].join('; '),
  )

  // The collector acknowledges once the order is in its write-ahead log; ClickHouse follows.
  await collector.whenStored()
  const rows = await query(
    `SELECT anonymous_id, session_id, properties, JSONExtractString(context, 'fbp') AS fbp,
      JSONExtractString(context, 'traits', 'email') AS email,
      JSONExtractRaw(context, 'consent') AS consent
      FROM events WHERE message_id = {id:String}`,
    { id: `order-${orderId}` },
  )
  expect(rows).toHaveLength(1)
  expect(rows[0]).toMatchObject({
    anonymous_id: 'visitor-1',
    session_id: 'session-1',
    fbp: 'fb.1.1700000000000.42',
    email: 'ana@example.com',
  })
  expect(JSON.parse(rows[0].consent)).toEqual({ categoryPreferences: { analytics: true, marketing: true } })
  expect(JSON.parse(rows[0].properties)).toMatchObject({ order_id: orderId, currency: 'EUR', value: 48 })

  const sent = await waitFor('the forwarded order', () =>
    forwarded.find((body) => body.messageId === messageId),
  )
  expect(sent).toMatchObject({
    event: 'Order Completed',
    properties: { order_id: orderId },
    context: { consent: { categoryPreferences: { analytics: true, marketing: true } } },
  })
})

it('does not forward the order of a visitor who declined marketing, nor of one who never chose', async () => {
  const declined = await checkout(
    `rastro_aid=visitor-2; ${consentCookie({ analytics: true, marketing: false })}`,
  )
  const undecided = await checkout('rastro_aid=visitor-3')
  const drops = await waitFor('both orders to be dropped', async () => {
    const found = await query(
      `SELECT event_id, error FROM forward_log
       WHERE outcome = 'dropped_consent' AND event_id IN {ids:Array(String)} ORDER BY event_id`,
      { ids: [declined.messageId, undecided.messageId] },
    )
    return found.length === 2 ? found : undefined
  })
  const reasons = Object.fromEntries(drops.map((drop) => [drop.event_id, drop.error]))
  expect(reasons[declined.messageId]).toMatch(/no marketing consent/)
  // No cookie: the event carries no consent and the demo tenant's defaultConsent (none) applies.
  expect(reasons[undecided.messageId]).toMatch(/defaultConsent/)
  expect(
    forwarded.filter((body) => [declined.messageId, undecided.messageId].includes(body.messageId)),
  ).toEqual([])
})

it('answers 400 naming the field for a cart Meta and GA4 could not take', async () => {
  const rastro = new Rastro({ host: 'http://127.0.0.1:9', writeKey: 'wk_demo_server' })
  const app = createApp({ rastro, logger: false })
  const response = await app.inject({
    method: 'POST',
    url: '/checkout',
    payload: { items: [{ sku: 'beans-1kg', name: 'Beans 1 kg', price: '24', quantity: 1 }] },
  })
  expect(response.statusCode).toBe(400)
  expect(response.json()).toMatchObject({ field: 'properties.products.0.price' })
  await app.close()
})
