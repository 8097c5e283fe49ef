/**
 * The storefront example (Vite, `@rastro/browser` from npm) in a real Chromium against the real
 * collector: a purchase from the product list to the confirmation stores the Segment E-commerce
 * Spec events once each, in order, with the amounts the page showed, and the checkout email as a
 * trait of the same visitor.
 */
import type { Browser } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { closeBrowser, launchChromium } from './helpers/launch-chromium.js'
import { startCollector, waitFor, type RunningCollector } from './helpers/start-collector.js'

let collector: RunningCollector
let browser: Browser

beforeAll(async () => {
  ;[collector, browser] = await Promise.all([startCollector(), launchChromium()])
})
afterAll(async () => {
  await closeBrowser(browser)
  await collector?.stop()
})

interface EventRow {
  message_id: string
  site_id: string
  type: string
  event: string
  path: string
  anonymous_id: string
  session_id: string
  library_name: string
  properties: string
  traits: string
  timestamp: string
}

const shopEvents = [
  'Product List Viewed',
  'Product Viewed',
  'Product Added',
  'Cart Viewed',
  'Checkout Started',
  'Payment Info Entered',
  'Order Completed',
]

describe('storefront example', () => {
  it('stores the e-commerce events of a purchase once each, with the order amounts', async () => {
    const context = await browser.newContext()
    const page = await context.newPage()
    const shop = `${collector.origin}/examples/storefront/`
    await page.goto(shop)
    await page.waitForSelector('[data-product-id="huila"]')

    await Promise.all([page.waitForURL(/product\.html\?id=huila$/), page.click('[data-product-id="huila"]')])
    await page.fill('#quantity', '2')
    await page.click('#add-to-cart')
    await expect.poll(() => page.textContent('#cart-count')).toBe('2')
    await Promise.all([page.waitForURL(/cart\.html$/), page.click('#cart-link')])
    await Promise.all([page.waitForURL(/checkout\.html$/), page.click('#checkout-link')])
    await page.fill('#email', 'ana@example.com')
    await page.click('#to-payment')
    await page.fill('#card', '4242 4242 4242 4242')
    await page.click('#pay')
    await page.waitForSelector('#order-done', { state: 'visible' })
    const orderId = await page.textContent('#order-id')
    expect(orderId).toMatch(/^TOS-/)
    await page.close({ runBeforeUnload: true })
    await context.close()

    const rows = await waitFor(async () => {
      await collector.app.whenStored()
      const stored = await collector.rows<EventRow>(
        `SELECT message_id, site_id, type, event, path, anonymous_id, session_id, library_name, properties, traits,
                timestamp
         FROM events FINAL WHERE tenant_id = 'demo' ORDER BY timestamp`,
      )
      return stored.some((row) => row.event === 'Order Completed') &&
        stored.some((row) => row.type === 'identify')
        ? stored
        : undefined
    })

    // In time order; one click sends "Payment Info Entered" and "Order Completed" in the same
    // millisecond, and rows of one timestamp have no order of their own.
    const tracks = rows
      .filter((row) => row.type === 'track')
      .sort(
        (a, b) =>
          a.timestamp.localeCompare(b.timestamp) || shopEvents.indexOf(a.event) - shopEvents.indexOf(b.event),
      )
    expect(tracks.map((row) => row.event)).toEqual(shopEvents)
    const props = (event: string) => JSON.parse(tracks.find((row) => row.event === event)!.properties)

    expect(props('Product List Viewed')).toMatchObject({ list_id: 'all-coffee' })
    expect(props('Product List Viewed').products).toHaveLength(3)
    expect(props('Product Viewed')).toMatchObject({ product_id: 'huila', price: 14.5, currency: 'EUR' })
    expect(props('Product Added')).toMatchObject({ product_id: 'huila', quantity: 2, price: 14.5 })
    expect(props('Cart Viewed').products).toMatchObject([{ product_id: 'huila', quantity: 2 }])
    const cartId = props('Product Added').cart_id
    expect(props('Cart Viewed').cart_id).toBe(cartId)
    // 2 × €14.50 = €29.00, under €30: €4.90 shipping.
    const order = {
      order_id: orderId,
      revenue: 29,
      subtotal: 29,
      shipping: 4.9,
      total: 33.9,
      currency: 'EUR',
    }
    expect(props('Checkout Started')).toMatchObject({ ...order, checkout_id: cartId })
    expect(props('Payment Info Entered')).toMatchObject({
      order_id: orderId,
      step: 2,
      payment_method: 'card',
    })
    expect(props('Order Completed')).toMatchObject({ ...order, checkout_id: cartId })
    expect(props('Order Completed').products).toMatchObject([
      { product_id: 'huila', sku: 'TOS-HUI-250', name: 'Huila, Colombia', price: 14.5, quantity: 2 },
    ])

    const identifies = rows.filter((row) => row.type === 'identify')
    expect(identifies).toHaveLength(1)
    expect(JSON.parse(identifies[0]!.traits)).toMatchObject({ email: 'ana@example.com' })

    // One page view per page, all from the storefront site, one visitor and one session, the npm build.
    expect(rows.filter((row) => row.type === 'page').map((row) => row.path)).toEqual([
      '/examples/storefront/',
      '/examples/storefront/product.html',
      '/examples/storefront/cart.html',
      '/examples/storefront/checkout.html',
    ])
    expect(new Set(rows.map((row) => row.site_id))).toEqual(new Set(['storefront']))
    expect(new Set(rows.map((row) => row.anonymous_id)).size).toBe(1)
    expect(new Set(rows.map((row) => row.session_id)).size).toBe(1)
    expect(new Set(rows.map((row) => row.library_name))).toEqual(new Set(['@rastro/browser']))

    const [counts] = await collector.rows<{ rows: string; ids: string }>(
      "SELECT count() AS rows, uniqExact(message_id) AS ids FROM events WHERE tenant_id = 'demo'",
    )
    expect(counts!.rows).toBe(counts!.ids)
  })
})
