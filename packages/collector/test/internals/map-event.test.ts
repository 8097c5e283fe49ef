import { describe, expect, it } from 'vitest'
import type { ForwardEvent } from '../../src/forward/forward-event.js'
import { createEventNamer, getCommerce, getSelectedEvents, toGa4Name } from '../../src/forward/map-event.js'

const selection = { mappings: {}, pageViews: true }

function event(properties: Record<string, unknown>): ForwardEvent {
  return { type: 'track', event: 'x', properties } as unknown as ForwardEvent
}

describe('event names', () => {
  it('maps the Segment e-commerce spec and page views to Meta standard and GA4 recommended events', () => {
    const meta = createEventNamer('meta', selection)
    const ga4 = createEventNamer('ga4', selection)
    const pairs = [
      'Product Viewed',
      'Product Added',
      'Checkout Started',
      'Payment Info Entered',
      'Order Completed',
      'Signed Up',
      'Lead Created',
      'Products Searched',
    ].map((name) => [name, meta('track', name), ga4('track', name)])
    expect(pairs).toEqual([
      ['Product Viewed', 'ViewContent', 'view_item'],
      ['Product Added', 'AddToCart', 'add_to_cart'],
      ['Checkout Started', 'InitiateCheckout', 'begin_checkout'],
      ['Payment Info Entered', 'AddPaymentInfo', 'add_payment_info'],
      ['Order Completed', 'Purchase', 'purchase'],
      ['Signed Up', 'CompleteRegistration', 'sign_up'],
      ['Lead Created', 'Lead', 'generate_lead'],
      ['Products Searched', 'Search', 'search'],
    ])
    expect([meta('page', ''), ga4('page', '')]).toEqual(['PageView', 'page_view'])
    expect([meta('track', 'Order Refunded'), ga4('track', 'Order Refunded')]).toEqual([undefined, 'refund'])
    expect(meta('identify', '')).toBeUndefined()
    expect(meta('track', 'Button Clicked')).toBeUndefined()
  })

  it('leaves heatmap points to the dashboard unless a destination lists them', () => {
    const hook = createEventNamer('webhook', selection)
    expect([hook('track', 'Lead Created'), hook('track', '$heatmap')]).toEqual(['Lead Created', undefined])
    const listed = createEventNamer('webhook', { events: ['$heatmap'], mappings: {}, pageViews: false })
    expect(listed('track', '$heatmap')).toBe('$heatmap')
  })

  it('applies custom mappings, the event list and the page-view switch', () => {
    const meta = createEventNamer('meta', {
      mappings: { 'Trial Started': 'StartTrial', 'Product Viewed': null },
      pageViews: false,
    })
    expect(meta('track', 'Trial Started')).toBe('StartTrial')
    expect(meta('track', 'Product Viewed')).toBeUndefined()
    expect(meta('page', '')).toBeUndefined()
    const listed = createEventNamer('ga4', {
      events: ['Order Completed', 'Trial Started!'],
      mappings: {},
      pageViews: true,
    })
    expect(listed('track', 'Order Completed')).toBe('purchase')
    expect(listed('track', 'Trial Started!')).toBe('trial_started')
    expect(listed('track', 'Product Viewed')).toBeUndefined()
    const hook = createEventNamer('webhook', { events: ['Lead Created'], mappings: {}, pageViews: false })
    expect([hook('track', 'Lead Created'), hook('track', 'Order Completed')]).toEqual([
      'Lead Created',
      undefined,
    ])
    expect(getSelectedEvents('webhook', { mappings: {}, pageViews: false })).toBeUndefined()
    expect(
      getSelectedEvents('meta', { mappings: { 'Order Completed': null, X: 'Y' }, pageViews: true }),
    ).toContain('X')
    expect(
      getSelectedEvents('meta', { mappings: { 'Order Completed': null }, pageViews: true }),
    ).not.toContain('Order Completed')
  })

  it('derives GA4-valid names', () => {
    expect(toGa4Name('Café Visited')).toBe('cafe_visited')
    expect(toGa4Name('123 go')).toBe('go')
    expect(toGa4Name('!!!')).toBeUndefined()
    expect(toGa4Name('x'.repeat(50))).toHaveLength(40)
  })
})

describe('e-commerce fields', () => {
  it('takes value, else revenue, else the sum of the products, else total; currency upper case', () => {
    expect(getCommerce(event({ value: 3, revenue: 4, currency: 'eur' }))).toMatchObject({
      value: 3,
      currency: 'EUR',
    })
    expect(getCommerce(event({ revenue: 4 })).value).toBe(4)
    const summed = getCommerce(
      event({
        products: [
          { sku: 'a', price: 12.99, quantity: 3 },
          { product_id: 'b', price: 1 },
        ],
        total: 99,
      }),
    )
    expect(summed.value).toBe(39.97)
    expect(summed.products.map((product) => [product.id, product.quantity])).toEqual([
      ['a', 3],
      ['b', 1],
    ])
    expect(getCommerce(event({ products: [{ sku: 'a' }], total: 99 })).value).toBe(99)
    expect(getCommerce(event({ currency: 'euro' })).currency).toBeUndefined()
  })

  it('treats a single-product event as its own product only when it names one', () => {
    expect(getCommerce(event({ product_id: 'p1', name: 'Beans', price: 5 })).products).toHaveLength(1)
    expect(getCommerce(event({ name: 'Ana' })).products).toEqual([])
  })
})
