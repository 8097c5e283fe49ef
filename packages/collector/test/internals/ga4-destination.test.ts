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

/** An `Order Completed` with `count` products whose names take `nameLength` characters of `letter`. */
function order(count: number, letter: string): ForwardEvent {
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
    context: {},
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
