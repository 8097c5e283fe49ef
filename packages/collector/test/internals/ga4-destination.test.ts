import { describe, expect, it } from 'vitest'
import { ga4DestinationSchema } from '../../src/config/destination-schema.js'
import type { ForwardEvent } from '../../src/forward/forward-event.js'
import { Ga4Destination, GA4_LIMITS } from '../../src/forward/ga4-destination.js'

const destination = new Ga4Destination(
  'shop',
  ga4DestinationSchema.parse({
    type: 'ga4',
    id: 'ga4',
    measurementId: 'G-TEST',
    apiSecret: 'test-api-secret',
    apiUrl: 'http://127.0.0.1:9',
  }),
)
const consent = { analytics: true, marketing: true, explicit: true }

/** An `Order Completed` with `count` products whose names take 100 characters of `letter`. */
function order(count: number, letter: string, context: Record<string, unknown> = {}): ForwardEvent {
  const name = letter.repeat(100)
  return {
    messageId: 'm1',
    type: 'track',
    event: 'Order Completed',
    anonymousId: 'visitor-1',
    userId: '',
    sessionId: '',
    timestampMs: Date.now() - 1000,
    ip: '203.0.113.0',
    country: 'ES',
    deviceType: 'desktop',
    properties: {
      order_id: 'o-1',
      currency: 'EUR',
      revenue: 10,
      products: Array.from({ length: count }, (_, i) => ({
        product_id: `${name.slice(0, 90)}${i}`,
        name,
        category: name,
        brand: name,
        variant: name,
        coupon: name,
        price: 1,
        quantity: 1,
      })),
    },
    traits: {},
    context,
  } as unknown as ForwardEvent
}

/** The prepared request body's UTF-8 bytes and items. */
function prepare(event: ForwardEvent) {
  const prepared = destination.prepare(event, 'purchase', consent)
  if (!('item' in prepared) || !prepared.item) return { invalid: (prepared as { invalid: string }).invalid }
  const { request, event: ga4Event } = prepared.item as {
    request: object
    event: { params: { items: unknown[] } }
  }
  return {
    bytes: Buffer.byteLength(JSON.stringify({ ...request, events: [ga4Event] })),
    items: ga4Event.params.items.length,
  }
}

describe('GA4 request size', () => {
  it('keeps a purchase whole when it fits in a request', () => {
    expect(prepare(order(20, 'a'))).toMatchObject({ items: 20 })
  })

  it('leaves out trailing items of a purchase too large for 130 kB, counted in UTF-8 bytes', () => {
    // 200 items of ~600 characters: ~145 kB as ASCII, ~380 kB when each character takes 3 bytes (ㅎ).
    const ascii = prepare(order(200, 'a'))
    const korean = prepare(order(200, 'ㅎ'))
    for (const prepared of [ascii, korean]) {
      expect(prepared.bytes).toBeLessThan(GA4_LIMITS.bodyBytes)
      expect(prepared.items).toBeGreaterThan(0)
    }
    expect(korean.items!).toBeLessThan(ascii.items!)
    expect(korean.items!).toBeLessThan(200)
  })
})

describe('GA4 ids', () => {
  const requestOf = (event: ForwardEvent) => {
    const prepared = destination.prepare(event, 'purchase', consent) as {
      item: { request: { client_id: string }; event: { params: { session_id: string } } }
    }
    return { clientId: prepared.item.request.client_id, sessionId: prepared.item.event.params.session_id }
  }

  it('sends gtag’s client id and this stream’s session id when the page ran gtag', () => {
    const ga4 = { clientId: '1234567890.1700000000', sessionIds: { 'G-OTHER': '1', 'G-TEST': '1700000500' } }
    expect(requestOf(order(1, 'a', { ga4 }))).toEqual({
      clientId: '1234567890.1700000000',
      sessionId: '1700000500',
    })
  })

  it('falls back to Rastro’s visitor, and its session, without them or for values gtag never makes', () => {
    const own = requestOf(order(1, 'a'))
    expect(own.clientId).toBe('visitor-1')
    expect(requestOf(order(1, 'a', { ga4: { clientId: 'GA1.1.x' } }))).toEqual(own)
    expect(requestOf(order(1, 'a', { ga4: { clientId: '1.2', sessionIds: { 'G-TEST': 'now' } } }))).toEqual({
      clientId: '1.2',
      sessionId: own.sessionId,
    })
  })
})
