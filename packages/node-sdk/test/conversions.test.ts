import { describe, expect, it } from 'vitest'
import {
  cartViewed,
  checkoutStarted,
  CONVERSION_EVENTS,
  leadCreated,
  orderCompleted,
  orderRefunded,
  paymentInfoEntered,
  productAdded,
  productsSearched,
  productViewed,
  signedUp,
} from '../src/index.js'

const buyer = {
  userId: 'u-42',
  anonymousId: 'a-1',
  context: { ip: '198.51.100.23', traits: { plan: 'pro' } },
  traits: { email: 'Ana@Example.com', phone: '+351 912 345 678' },
}

describe('conversion helpers', () => {
  it('build an Order Completed that Meta Purchase and GA4 purchase can map as is', () => {
    expect(
      orderCompleted(
        {
          order_id: 'o-1001',
          currency: 'eur',
          shipping: 4.5,
          tax: 6.9,
          products: [
            { product_id: 'beans-1kg', name: 'Beans 1 kg', price: 12.99, quantity: 3, category: 'Coffee' },
            { sku: 'MUG-01', price: 8 },
          ],
        },
        buyer,
      ),
    ).toEqual({
      userId: 'u-42',
      anonymousId: 'a-1',
      event: 'Order Completed',
      properties: {
        order_id: 'o-1001',
        currency: 'EUR',
        value: 46.97,
        revenue: 46.97,
        shipping: 4.5,
        tax: 6.9,
        products: [
          { product_id: 'beans-1kg', name: 'Beans 1 kg', price: 12.99, quantity: 3, category: 'Coffee' },
          { sku: 'MUG-01', price: 8, quantity: 1 },
        ],
      },
      // Raw: forwarding hashes per destination (Meta and Google normalise phones differently).
      context: {
        ip: '198.51.100.23',
        traits: { plan: 'pro', email: 'Ana@Example.com', phone: '+351 912 345 678' },
      },
    })
  })

  it('take value from value, else revenue, else the products, else total', () => {
    const base = { order_id: 'o', currency: 'USD' }
    expect(orderCompleted({ ...base, value: 10, revenue: 20, total: 30 }).properties).toMatchObject({
      value: 10,
      revenue: 20,
    })
    expect(orderCompleted({ ...base, revenue: 20, total: 30 }).properties).toMatchObject({ value: 20 })
    expect(orderCompleted({ ...base, total: 30, products: [{ name: 'x' }] }).properties).toMatchObject({
      value: 30,
      revenue: 30,
    })
  })

  it('refuse what would make a bad conversion, naming the field', () => {
    const refuse = (build: () => unknown, field: string) =>
      expect(build).toThrow(expect.objectContaining({ code: 'RASTRO_ERR_NODE_EVENT_INVALID', field }))
    refuse(() => orderCompleted({ order_id: '', currency: 'EUR', value: 1 }), 'properties.order_id')
    refuse(() => orderCompleted({ order_id: 'o', currency: 'EUR' }), 'properties.value')
    refuse(() => orderCompleted({ order_id: 'o', currency: 'euro', value: 1 }), 'properties.currency')
    refuse(() => orderCompleted({ order_id: 'o', currency: 'EUR', value: -1 }), 'properties.value')
    refuse(() => orderCompleted({ order_id: 'o', currency: 'EUR', value: Number.NaN }), 'properties.value')
    refuse(
      () => orderCompleted({ order_id: 'o', currency: 'EUR', products: [{ price: 3 }] }),
      'properties.products.0',
    )
    refuse(
      () => checkoutStarted({ currency: 'EUR', products: [{ sku: 's', price: 1, quantity: 0 }] }),
      'properties.products.0.quantity',
    )
    refuse(() => productAdded({ product_id: 'p', price: 5 }), 'properties.currency')
    refuse(() => leadCreated({ value: 100 }), 'properties.currency')
    refuse(() => productsSearched({ query: '' }), 'properties.query')
  })

  it('name every event as the Segment E-commerce Spec does', () => {
    const product = { product_id: 'p-1', price: 5, quantity: 2, currency: 'usd' }
    const built = [
      productsSearched({ query: 'decaf' }),
      productViewed(product),
      productAdded({ ...product, cart_id: 'c-1' }),
      cartViewed({ products: [product], currency: 'USD' }),
      checkoutStarted({ currency: 'USD', products: [product] }),
      paymentInfoEntered({ checkout_id: 'k-1', payment_method: 'card' }),
      orderRefunded({ order_id: 'o-1' }),
      signedUp({ method: 'google' }),
      leadCreated({ lead_id: 'l-1', value: 50, currency: 'brl' }),
    ]
    expect(built.map((params) => params.event)).toEqual([
      CONVERSION_EVENTS.productsSearched,
      'Product Viewed',
      'Product Added',
      'Cart Viewed',
      'Checkout Started',
      'Payment Info Entered',
      'Order Refunded',
      'Signed Up',
      'Lead Created',
    ])
    expect(built[1]!.properties).toEqual({
      product_id: 'p-1',
      price: 5,
      quantity: 2,
      currency: 'USD',
      value: 10,
    })
    expect(built[3]!.properties).toMatchObject({ value: 10, currency: 'USD' })
    expect(built[6]!.properties).toEqual({ order_id: 'o-1' })
    expect(built[8]!.properties).toEqual({ lead_id: 'l-1', value: 50, currency: 'BRL' })
  })
})
