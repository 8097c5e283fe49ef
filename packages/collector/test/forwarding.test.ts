/**
 * Forwarding through the real collector (ingest API → log → destinations) to local fake Meta and
 * GA4 endpoints that enforce the vendors' rules (test/helpers/fake-*.ts) and to a webhook
 * receiver. The purchases have the shapes the example storefront (browser SDK) and the Node
 * example (@rastro/node `orderCompleted` + `fromRequest`) send.
 */
import { createHash, createHmac, randomUUID, timingSafeEqual } from 'node:crypto'
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startFakeGa4, type FakeGa4 } from './helpers/fake-ga4.js'
import { startFakeMeta, type FakeMeta } from './helpers/fake-meta.js'
import {
  createForwardingConfig,
  forwardKeys,
  getDestination,
  getDestinations,
  queryForwardRows,
  sendBatch,
  startForwardingCollector,
  waitFor,
  waitForRows,
  type ForwardingCollector,
} from './helpers/start-forwarding-collector.js'

const sha256 = (text: string) => createHash('sha256').update(text).digest('hex')
const WEBHOOK_SECRET = 'whsec_test_0123456789abcdef'
const BROWSER_UA =
  'Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36'
const IPHONE_UA =
  'Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.5 Mobile/15E148 Safari/604.1'

interface Hook {
  headers: IncomingHttpHeaders
  body: string
}

let meta: FakeMeta
let ga4: FakeGa4
/** A second Meta whose token the collector's `meta-bad` destination does not have at first. */
let metaBadToken: FakeMeta
let ga4DryRun: FakeGa4
let hookServer: Server
const hooks: Hook[] = []
let collector: ForwardingCollector

beforeAll(async () => {
  ;[meta, ga4, metaBadToken, ga4DryRun] = await Promise.all([
    startFakeMeta(),
    startFakeGa4(),
    startFakeMeta({ pixelId: '999000999000', token: 'EAAgoodtoken0002' }),
    startFakeGa4(),
  ])
  hookServer = createServer(async (request, response) => {
    const chunks: Buffer[] = []
    for await (const chunk of request) chunks.push(chunk as Buffer)
    hooks.push({ headers: request.headers, body: Buffer.concat(chunks).toString('utf8') })
    response.writeHead(204).end()
  })
  await new Promise<void>((resolve) => hookServer.listen(0, '127.0.0.1', resolve))
  const fast = { flushIntervalMs: 20, retryBaseMs: 50, retryMaxMs: 200 }
  collector = await startForwardingCollector(
    createForwardingConfig([
      {
        id: 'meta',
        type: 'meta',
        pixelId: meta.pixelId,
        accessToken: [...meta.tokens][0]!,
        apiUrl: meta.url,
        ...fast,
      },
      {
        id: 'ga4',
        type: 'ga4',
        measurementId: ga4.measurementId,
        apiSecret: ga4.apiSecret,
        apiUrl: ga4.url,
        ...fast,
      },
      {
        id: 'hook',
        type: 'webhook',
        url: `http://127.0.0.1:${(hookServer.address() as AddressInfo).port}/rastro`,
        secret: WEBHOOK_SECRET,
        events: ['Order Completed', 'Lead Created'],
        ...fast,
      },
      {
        id: 'meta-bad',
        type: 'meta',
        pixelId: metaBadToken.pixelId,
        accessToken: 'EAAgoodtoken0002'.replace('good', 'bad0'),
        apiUrl: metaBadToken.url,
        events: ['Lead Created'],
        ...fast,
      },
      {
        id: 'ga4-dry',
        type: 'ga4',
        dryRun: true,
        measurementId: ga4DryRun.measurementId,
        apiSecret: ga4DryRun.apiSecret,
        apiUrl: ga4DryRun.url,
        events: ['Lead Created'],
        ...fast,
      },
    ]),
  )
})

afterAll(async () => {
  await collector?.stop(true)
  await Promise.all([meta?.close(), ga4?.close(), metaBadToken?.close(), ga4DryRun?.close()])
  await new Promise((resolve) => hookServer?.close(resolve))
})

const granted = { consent: { categoryPreferences: { analytics: true, marketing: true } } }

/** `Order Completed` as the storefront's browser SDK sends it (money in major units). */
function storefrontPurchase(orderId: string) {
  const sessionStart = Date.now() - 5 * 60_000
  // The browser SDK's session ids are UUID v7: the first 48 bits are the session start (ms).
  const sessionId = `${sessionStart
    .toString(16)
    .padStart(12, '0')
    .replace(/^(.{8})(.{4})$/, '$1-$2')}-7abc-8def-0123456789ab`
  return {
    sessionStart,
    event: {
      type: 'track',
      event: 'Order Completed',
      messageId: randomUUID(),
      anonymousId: 'visitor-storefront-1',
      properties: {
        order_id: orderId,
        revenue: 54.5,
        value: 54.5,
        currency: 'eur',
        tax: 3.2,
        shipping: 4.9,
        products: [
          {
            product_id: 'beans-1kg',
            sku: 'BEANS-1KG',
            name: 'House beans 1 kg',
            price: 24.5,
            quantity: 2,
            category: 'Coffee',
          },
          {
            product_id: 'filter-02',
            sku: 'FLT-02',
            name: 'Paper filters',
            price: 5.5,
            quantity: 1,
            category: 'Gear',
          },
        ],
      },
      context: {
        ...granted,
        sessionId,
        page: {
          url: 'https://shop.example/checkout/thanks?fbclid=IwAR2F4-abc_DEF',
          title: 'Thank you',
          referrer: 'https://shop.example/cart',
        },
        traits: {
          email: '  John_Smith@gmail.com ',
          phone: '+1 (650) 555-1212',
          firstName: 'Mary',
          lastName: 'Valéry',
          address: {
            city: 'New York',
            state: 'New York',
            postalCode: '10001-1234',
            country: 'United States',
          },
        },
        screen: { width: 1440, height: 900 },
        locale: 'en-US',
      },
    },
  }
}

/** `Order Completed` as the Node example sends it: `orderCompleted()` with `fromRequest(req)` ids. */
function nodePurchase(orderId: string) {
  return {
    type: 'track',
    event: 'Order Completed',
    messageId: `order-${orderId}`,
    anonymousId: 'visitor-node-1',
    userId: 'customer-42',
    properties: {
      order_id: orderId,
      currency: 'EUR',
      products: [{ sku: 'BEANS-1KG', name: 'House beans 1 kg', price: 24, quantity: 2 }],
      value: 48,
      revenue: 48,
    },
    context: {
      ...granted,
      ip: '203.0.113.7',
      // Segment's context.location, as a server that knows the buyer's country sends it.
      location: { country: 'Spain' },
      userAgent: IPHONE_UA,
      sessionId: 'sess-node-1',
      fbp: 'fb.1.1700000000000.1234567890',
      fbc: 'fb.1.1700000000000.IwAR2F4-xyz_ABC',
      page: { url: 'https://shop.example/checkout' },
      traits: { email: 'Ana.Lopes@Gmail.com' },
    },
  }
}

describe('a purchase reaches Meta and GA4 exactly once, hashed and mapped', () => {
  it('from the storefront (browser SDK shape)', async () => {
    const orderId = `o-${randomUUID().slice(0, 8)}`
    const { event, sessionStart } = storefrontPurchase(orderId)
    await sendBatch(collector.url, [event], { 'user-agent': BROWSER_UA })
    await waitFor(
      'Meta and GA4 to get the purchase',
      () =>
        meta.events.some((sent) => sent.event_id === orderId) &&
        ga4.events.some((sent) => sent.params.transaction_id === orderId),
    )

    const sent = meta.events.find((candidate) => candidate.event_id === orderId)
    expect(sent).toMatchObject({
      event_name: 'Purchase',
      action_source: 'website',
      event_source_url: 'https://shop.example/checkout/thanks?fbclid=IwAR2F4-abc_DEF',
      referrer_url: 'https://shop.example/cart',
      custom_data: {
        value: 54.5,
        currency: 'EUR',
        order_id: orderId,
        content_type: 'product',
        content_ids: ['beans-1kg', 'filter-02'],
        contents: [
          { id: 'beans-1kg', quantity: 2, item_price: 24.5 },
          { id: 'filter-02', quantity: 1, item_price: 5.5 },
        ],
        num_items: 3,
      },
    })
    expect(Math.abs(sent.event_time - Math.floor(Date.now() / 1000))).toBeLessThan(30)
    // Meta's published examples (customer-information-parameters), then our normalisation of the rest.
    expect(sent.user_data).toMatchObject({
      em: '62a14e44f765419d10fea99367361a727c12365e2520f32218d505ed9aa0f62f',
      ph: 'e323ec626319ca94ee8bff2e4c87cf613be6ea19919ed1364124e16807ab3176',
      fn: '6915771be1c5aa0c886870b6951b03d7eafc121fea0e80a5ea83beb7c449f4ec',
      ln: '08e1996b5dd49e62a4b4c010d44e4345592a863bb9f8e3976219bac29417149c',
      country: '79adb2a2fce5c6ba215fe5f27f532d4e7edbac4b6a5e09e1ef3a08084a904621',
      ct: sha256('newyork'),
      st: sha256('ny'),
      zp: sha256('10001'),
      external_id: sha256('visitor-storefront-1'),
      client_user_agent: BROWSER_UA,
      // No _fbc cookie: made from the landing URL's fbclid, which stays as it was.
      fbc: expect.stringMatching(/^fb\.1\.\d{13}\.IwAR2F4-abc_DEF$/),
    })
    // The collector keeps only the anonymised address of a browser.
    expect(sent.user_data.client_ip_address).toBe('127.0.0.0')

    const purchase = ga4.events.find((candidate) => candidate.params.transaction_id === orderId)!
    expect(purchase).toMatchObject({
      name: 'purchase',
      params: {
        currency: 'EUR',
        value: 54.5,
        tax: 3.2,
        shipping: 4.9,
        session_id: String(Math.floor(sessionStart / 1000)),
        engagement_time_msec: expect.any(String),
        page_location: 'https://shop.example/checkout/thanks?fbclid=IwAR2F4-abc_DEF',
        items: [
          {
            item_id: 'beans-1kg',
            item_name: 'House beans 1 kg',
            price: 24.5,
            quantity: 2,
            item_category: 'Coffee',
          },
          {
            item_id: 'filter-02',
            item_name: 'Paper filters',
            price: 5.5,
            quantity: 1,
            item_category: 'Gear',
          },
        ],
      },
      request: {
        client_id: 'visitor-storefront-1',
        consent: { ad_user_data: 'GRANTED', ad_personalization: 'GRANTED' },
        user_data: {
          sha256_email_address: [sha256('john_smith@gmail.com')],
          // Google hashes E.164 with the + (the spec's vector), unlike Meta.
          sha256_phone_number: ['1e231c66011e7a2d867a9cfae267a6aff103cf4913640b6e71a99850fc0ffbc8'],
          address: [
            {
              sha256_first_name: sha256('mary'),
              sha256_last_name: sha256('valéry'),
              city: 'new york',
              region: 'new york',
              postal_code: '10001-1234',
              country: 'US',
            },
          ],
        },
        device: { category: 'desktop', language: 'en-US', screen_resolution: '1440x900', browser: 'Chrome' },
      },
    })
    expect(Math.abs(purchase.timestamp_micros! / 1000 - Date.now())).toBeLessThan(30_000)
    expect(ga4.requests.flatMap((request) => request.messages)).toEqual([])

    await new Promise((resolve) => setTimeout(resolve, 300))
    expect(meta.events.filter((candidate) => candidate.event_id === orderId)).toHaveLength(1)
    expect(ga4.events.filter((candidate) => candidate.params.transaction_id === orderId)).toHaveLength(1)
  })

  it('from the Node example (server SDK shape), with the visitor ids it read from the request', async () => {
    const orderId = `o-${randomUUID().slice(0, 8)}`
    await sendBatch(collector.url, [nodePurchase(orderId)], { 'user-agent': 'rastro-node/0.1.0' })
    await waitFor(
      'Meta and GA4 to get the purchase',
      () =>
        meta.events.some((sent) => sent.event_id === orderId) &&
        ga4.events.some((sent) => sent.params.transaction_id === orderId),
    )
    const sent = meta.events.find((candidate) => candidate.event_id === orderId)
    expect(sent.user_data).toEqual({
      em: sha256('ana.lopes@gmail.com'),
      external_id: [sha256('customer-42'), sha256('visitor-node-1')],
      client_ip_address: '203.0.113.0',
      client_user_agent: IPHONE_UA,
      fbp: 'fb.1.1700000000000.1234567890',
      fbc: 'fb.1.1700000000000.IwAR2F4-xyz_ABC',
    })
    expect(sent.custom_data).toMatchObject({
      value: 48,
      currency: 'EUR',
      content_ids: ['BEANS-1KG'],
      num_items: 2,
    })
    const purchase = ga4.events.find((candidate) => candidate.params.transaction_id === orderId)!
    expect(purchase.request).toMatchObject({
      client_id: 'visitor-node-1',
      user_id: 'customer-42',
      ip_override: '203.0.113.0',
      user_location: { country_id: 'ES' },
      // Gmail: the dots before @ go for Google.
      user_data: { sha256_email_address: [sha256('analopes@gmail.com')] },
    })
    expect(purchase.params.session_id).toMatch(/^\d+$/)
    expect(ga4.requests.flatMap((request) => request.messages)).toEqual([])
    const log = await waitForRows<{
      destination: string
      outcome: string
      attempt: number
      http_status: number
      vendor_trace_id: string
    }>(
      collector,
      3,
      `SELECT destination, outcome, attempt, http_status, vendor_trace_id FROM forward_log
       WHERE event_id = {id:String} ORDER BY destination`,
      { id: `order-${orderId}` },
    )
    expect(log).toEqual([
      { destination: 'ga4', outcome: 'delivered', attempt: 1, http_status: 204, vendor_trace_id: '' },
      { destination: 'hook', outcome: 'delivered', attempt: 1, http_status: 204, vendor_trace_id: '' },
      {
        destination: 'meta',
        outcome: 'delivered',
        attempt: 1,
        http_status: 200,
        vendor_trace_id: expect.stringMatching(/^trace-/),
      },
    ])
  })
})

describe('consent', () => {
  it('sends nothing to Meta without marketing consent, and to GA4 only with analytics consent (ad consent DENIED, no user data)', async () => {
    const run = randomUUID().slice(0, 8)
    const purchase = (suffix: string, context: object) => ({
      ...nodePurchase(`${run}-${suffix}`),
      messageId: `consent-${run}-${suffix}`,
      context: { ...nodePurchase(run).context, ...context },
    })
    const analyticsOnly = purchase('analytics', {
      consent: { categoryPreferences: { analytics: true, marketing: false } },
    })
    const declined = purchase('declined', {
      consent: { categoryPreferences: { analytics: false, marketing: false } },
    })
    const none = purchase('none', { consent: undefined })
    const marker = purchase('marker', {})
    await sendBatch(collector.url, [analyticsOnly, declined, none, marker])
    // The marker has full consent: once it is through, the others have been handled too.
    await waitFor(
      'the marker purchase',
      () =>
        meta.events.some((sent) => sent.event_id === `${run}-marker`) &&
        ga4.events.some((sent) => sent.params.transaction_id === `${run}-marker`),
    )
    expect(
      meta.events.filter((sent) => String(sent.event_id).startsWith(run)).map((sent) => sent.event_id),
    ).toEqual([`${run}-marker`])
    const ga4Sent = ga4.events.filter((sent) => String(sent.params.transaction_id).startsWith(run))
    expect(ga4Sent.map((sent) => sent.params.transaction_id).sort()).toEqual([
      `${run}-analytics`,
      `${run}-marker`,
    ])
    const analytics = ga4Sent.find((sent) => sent.params.transaction_id === `${run}-analytics`)!
    expect(analytics.request.consent).toEqual({ ad_user_data: 'DENIED', ad_personalization: 'DENIED' })
    expect(analytics.request.user_data).toBeUndefined()

    const drops = await waitForRows<{ destination: string; event_id: string; error: string }>(
      collector,
      7,
      `SELECT destination, event_id, error FROM forward_log
       WHERE outcome = 'dropped_consent' AND event_id LIKE {prefix:String} ORDER BY destination, event_id`,
      { prefix: `consent-${run}-%` },
    )
    expect(drops.map((drop) => `${drop.destination} ${drop.event_id}`)).toEqual([
      `ga4 consent-${run}-declined`,
      `ga4 consent-${run}-none`,
      `hook consent-${run}-declined`,
      `hook consent-${run}-none`,
      `meta consent-${run}-analytics`,
      `meta consent-${run}-declined`,
      `meta consent-${run}-none`,
    ])
    expect(drops.find((drop) => drop.event_id.endsWith('none'))!.error).toMatch(/defaultConsent/)
    const metaSummary = await getDestination(collector.url, 'meta')
    expect(metaSummary.dropped.consent).toBeGreaterThanOrEqual(3)
  })
})

describe('webhooks', () => {
  it('POSTs each listed event signed with HMAC-SHA256 over "<timestamp>.<body>"', async () => {
    const leadId = `lead-${randomUUID()}`
    const viewId = `view-${randomUUID()}`
    await sendBatch(collector.url, [
      {
        type: 'track',
        event: 'Product Viewed',
        messageId: viewId,
        anonymousId: 'hook-1',
        properties: { product_id: 'p1' },
        context: granted,
      },
      {
        type: 'track',
        event: 'Lead Created',
        messageId: leadId,
        anonymousId: 'hook-1',
        properties: { lead_id: 'L-1' },
        context: granted,
      },
    ])
    const hook = await waitFor('the webhook', () =>
      hooks.find((candidate) => candidate.headers['x-rastro-event-id'] === leadId),
    )
    expect(hook.headers['content-type']).toBe('application/json')
    const timestamp = String(hook.headers['x-rastro-timestamp'])
    const signature = String(hook.headers['x-rastro-signature'])
    expect(Math.abs(Number(timestamp) - Date.now() / 1000)).toBeLessThan(30)
    // The documented scheme, checked independently of our signer: lower-case hex HMAC-SHA256 keyed
    // with the secret over `${timestamp}.${rawBody}`. @rastro/node's verifyWebhookSignature is run on
    // real deliveries in packages/node-sdk/test/verify-webhook-signature.test.ts (@rastro/node's tests
    // depend on the collector, so the collector's cannot depend on @rastro/node).
    const verify = (body: string, secret = WEBHOOK_SECRET) =>
      timingSafeEqual(
        Buffer.from(signature, 'hex'),
        createHmac('sha256', secret).update(`${timestamp}.${body}`).digest(),
      )
    expect(signature).toMatch(/^[0-9a-f]{64}$/)
    expect(verify(hook.body)).toBe(true)
    expect(verify(hook.body.replace('L-1', 'L-2'))).toBe(false)
    expect(verify(hook.body, 'another-secret-0123456789')).toBe(false)
    expect(JSON.parse(hook.body)).toMatchObject({
      type: 'track',
      event: 'Lead Created',
      messageId: leadId,
      anonymousId: 'hook-1',
      properties: { lead_id: 'L-1' },
      context: granted,
    })
    // Not in the webhook's event list.
    expect(hooks.some((candidate) => candidate.headers['x-rastro-event-id'] === viewId)).toBe(false)
  })
})

describe('validation before sending', () => {
  it('dead-letters an event that breaks the rules without sending it, and isolates one Meta rejects by splitting the batch', async () => {
    const run = randomUUID().slice(0, 8)
    const noCurrency = { ...nodePurchase(`${run}-nocur`), messageId: `v-${run}-nocur` }
    noCurrency.properties = { ...noCurrency.properties, currency: undefined as unknown as string }
    const old = {
      ...nodePurchase(`${run}-old`),
      messageId: `v-${run}-old`,
      timestamp: new Date(Date.now() - 8 * 86_400_000).toISOString(),
    }
    const good = [1, 2, 3].map((n) => ({ ...nodePurchase(`${run}-${n}`), messageId: `v-${run}-${n}` }))
    meta.rejectEventIds.add(`${run}-2`)
    await sendBatch(collector.url, [noCurrency, old, ...good])
    await waitFor(
      'Meta to get the good purchases',
      () => meta.events.filter((sent) => String(sent.event_id).startsWith(run)).length >= 2,
    )
    await waitForRows(collector, 3, `SELECT 1 FROM forward_dead_letters WHERE event_id LIKE {p:String}`, {
      p: `v-${run}-%`,
    })
    expect(
      meta.events
        .filter((sent) => String(sent.event_id).startsWith(run))
        .map((sent) => sent.event_id)
        .sort(),
    ).toEqual([`${run}-1`, `${run}-3`])
    // The rejected request held all three good events, then the halves were retried apart.
    const tried = meta.requests.filter((request) =>
      request.data.some((event) => String(event.event_id).startsWith(run)),
    )
    expect(tried[0]!.data.map((event) => event.event_id)).toEqual([`${run}-1`, `${run}-2`, `${run}-3`])
    expect(tried[0]!.status).toBe(400)

    const dead = await queryForwardRows<{
      destination: string
      event_id: string
      error_code: string
      payload: string
    }>(
      collector,
      `SELECT destination, event_id, error_code, payload FROM forward_dead_letters FINAL
       WHERE event_id LIKE {p:String} ORDER BY destination, event_id`,
      { p: `v-${run}-%` },
    )
    expect(dead.map((row) => `${row.destination} ${row.event_id} ${row.error_code}`)).toEqual([
      `ga4 v-${run}-nocur RASTRO_ERR_FORWARD_INVALID_EVENT`,
      `meta v-${run}-2 RASTRO_ERR_FORWARD_REJECTED`,
      `meta v-${run}-nocur RASTRO_ERR_FORWARD_INVALID_EVENT`,
    ])
    // Dead letters keep no IP or user agent.
    const rejected = JSON.parse(dead.find((row) => row.event_id === `v-${run}-2`)!.payload)
    expect(rejected.user_data.em).toMatch(/^[0-9a-f]{64}$/)
    expect(rejected.user_data.client_ip_address).toBeUndefined()
    expect(rejected.user_data.client_user_agent).toBeUndefined()
    // Sent to Rastro already older than Meta's 7 days and GA4's 72 hours: dropped, not sent.
    const tooOld = await waitForRows<{ destination: string }>(
      collector,
      3,
      `SELECT destination FROM forward_log WHERE event_id = {id:String} AND outcome = 'dropped_too_old' ORDER BY destination`,
      { id: `v-${run}-old` },
    )
    expect(tooOld).toEqual([{ destination: 'ga4' }, { destination: 'hook' }, { destination: 'meta' }])
  })
})

describe('GET /v1/destinations and replay', () => {
  it('lists destinations with secrets redacted, lag, counts and the last error; a viewer may read', async () => {
    const { status, body } = await getDestinations(collector.url, forwardKeys.viewerKey)
    expect(status).toBe(200)
    expect(body.destinations.map((destination: any) => destination.id)).toEqual([
      'meta',
      'ga4',
      'hook',
      'meta-bad',
      'ga4-dry',
    ])
    const text = JSON.stringify(body)
    for (const secret of [...meta.tokens, ga4.apiSecret, WEBHOOK_SECRET, 'EAAbad0token0002'])
      expect(text).not.toContain(secret)
    const metaDestination = body.destinations[0]
    expect(metaDestination).toMatchObject({
      type: 'meta',
      enabled: true,
      config: { accessToken: '[redacted]', apiVersion: 'v26.0', pixelId: meta.pixelId },
      consumer: 'fwd-shop-meta',
      lag: { bytes: expect.any(Number) },
      delivered: expect.any(Number),
    })
    expect(metaDestination.delivered).toBeGreaterThanOrEqual(2)
    expect(metaDestination.lastError).toMatchObject({ code: 'RASTRO_ERR_FORWARD_REJECTED' })
    expect(body.destinations[2].config.secret).toBe('[redacted]')
    const missing = await fetch(`${collector.url}/v1/destinations`)
    expect(missing.status).toBe(401)
  })

  it('dead-letters events refused for a bad token, and a replay after the fix delivers them with the same event ids', async () => {
    const ids = [1, 2].map((n) => `lead-${randomUUID()}-${n}`)
    const started = new Date().toISOString()
    await sendBatch(
      collector.url,
      ids.map((messageId) => ({
        type: 'track',
        event: 'Lead Created',
        messageId,
        userId: `u-${messageId}`,
        properties: { lead_id: messageId },
        context: { ...granted, traits: { email: `${messageId}@example.com` } },
      })),
    )
    await waitFor('the token errors', async () => {
      const rows = await queryForwardRows(
        collector,
        `SELECT 1 FROM forward_dead_letters WHERE destination = 'meta-bad' AND event_id IN {ids:Array(String)}
           AND error_code = 'RASTRO_ERR_FORWARD_AUTH'`,
        { ids },
      )
      return rows.length === 2
    })
    const refused = await getDestination(collector.url, 'meta-bad')
    expect(refused.lastError).toMatchObject({ code: 'RASTRO_ERR_FORWARD_AUTH' })
    expect(metaBadToken.events).toHaveLength(0)
    // Dry run: mapped, validated and audited, never sent.
    const dry = await getDestination(collector.url, 'ga4-dry')
    expect(dry.dryRunEvents).toBeGreaterThanOrEqual(2)
    expect(ga4DryRun.requests).toHaveLength(0)

    const viewerReplay = await fetch(`${collector.url}/v1/destinations/meta-bad/replay`, {
      method: 'POST',
      headers: { authorization: `Bearer ${forwardKeys.viewerKey}`, 'content-type': 'application/json' },
      body: JSON.stringify({ from: started }),
    })
    expect(viewerReplay.status).toBe(403)
    const unknown = await fetch(`${collector.url}/v1/destinations/nope/replay`, {
      method: 'POST',
      headers: { authorization: `Bearer ${forwardKeys.secretKey}`, 'content-type': 'application/json' },
      body: JSON.stringify({ from: started }),
    })
    expect(((await unknown.json()) as any).error.code).toBe('RASTRO_ERR_DESTINATION_NOT_FOUND')

    metaBadToken.tokens.add('EAAbad0token0002')
    await collector.app.whenStored()
    const replay = await fetch(`${collector.url}/v1/destinations/meta-bad/replay`, {
      method: 'POST',
      headers: { authorization: `Bearer ${forwardKeys.secretKey}`, 'content-type': 'application/json' },
      body: JSON.stringify({ from: started }),
    })
    expect(replay.status).toBe(202)
    await waitFor(
      'the replay',
      async () => (await getDestination(collector.url, 'meta-bad')).replay?.state === 'done',
    )
    expect(metaBadToken.events.map((event) => event.event_id).sort()).toEqual([...ids].sort())
    expect(metaBadToken.events[0]).toMatchObject({ event_name: 'Lead', action_source: 'system_generated' })
    const after = await getDestination(collector.url, 'meta-bad')
    expect(after).toMatchObject({
      delivered: 2,
      failed: refused.failed - 2,
      replay: { state: 'done', events: 2, delivered: 2 },
    })

    // A second replay skips what the ledger holds as delivered.
    const again = await fetch(`${collector.url}/v1/destinations/meta-bad/replay`, {
      method: 'POST',
      headers: { authorization: `Bearer ${forwardKeys.secretKey}`, 'content-type': 'application/json' },
      body: JSON.stringify({ from: started }),
    })
    expect(again.status).toBe(202)
    await waitFor(
      'the second replay',
      async () => (await getDestination(collector.url, 'meta-bad')).replay?.state === 'done',
    )
    expect(metaBadToken.events).toHaveLength(2)
  })
})

describe('metrics', () => {
  it('counts forwarded events per destination and outcome', async () => {
    const text = await (await fetch(`${collector.url}/metrics`)).text()
    expect(text).toMatch(/rastro_forward_events_total\{destination="shop\/meta",outcome="delivered"\} [1-9]/)
    expect(text).toMatch(
      /rastro_forward_events_total\{destination="shop\/meta",outcome="dropped_consent"\} [1-9]/,
    )
    expect(text).toMatch(/rastro_log_consumer_lag_bytes\{consumer="fwd-shop-ga4"\} \d+/)
  })
})
