/**
 * Rastro for the shop: `@rastro/browser` from npm, started once per page, and the shop's events
 * sent with the SDK's typed Segment E-commerce Spec helpers
 * (https://segment.com/docs/connections/spec/ecommerce/v2/). Amounts go out in euros, as numbers.
 */
import {
  cartViewed,
  checkoutStarted,
  debug,
  identify,
  init,
  orderCompleted,
  paymentInfoEntered,
  productAdded,
  productListViewed,
  productViewed,
  type Order,
  type Product as SpecProduct,
} from '@rastro/browser'
import { CURRENCY, type Product } from './catalog.js'
import type { Cart, CartLine } from './cart.js'

/** The demo tenant's storefront site in `examples/rastro.config.json`. */
const WRITE_KEY = 'wk_demo_storefront'

/** Starts Rastro: same-origin collector unless `VITE_RASTRO_HOST` is set (e.g. under `vite` dev). */
export function startAnalytics(): void {
  init({ writeKey: WRITE_KEY, host: import.meta.env.VITE_RASTRO_HOST ?? '' })
  if (/[?&]debug\b/.test(location.search)) debug(true)
}

const euros = (cents: number) => cents / 100

/** A product as the spec's `products[]` item or single-product properties. */
function toSpecProduct(product: Product, extra: SpecProduct = {}): SpecProduct {
  return {
    product_id: product.id,
    sku: product.sku,
    category: product.category,
    name: product.name,
    brand: 'Tostado',
    variant: '250 g',
    price: euros(product.priceCents),
    url: new URL(`product.html?id=${product.id}`, location.href).href,
    ...extra,
  }
}

const toSpecLines = (lines: CartLine[]): SpecProduct[] =>
  lines.map((line, index) => toSpecProduct(line.product, { quantity: line.quantity, position: index + 1 }))

export function trackProductListViewed(listId: string, items: readonly Product[]): void {
  productListViewed({
    list_id: listId,
    category: 'Coffee',
    products: items.map((product, index) => toSpecProduct(product, { position: index + 1 })),
  })
}

export function trackProductViewed(product: Product): void {
  productViewed({
    ...toSpecProduct(product, { quantity: 1 }),
    currency: CURRENCY,
    value: euros(product.priceCents),
  })
}

export function trackProductAdded(cart: Cart, product: Product, quantity: number): void {
  productAdded({ ...toSpecProduct(product, { quantity }), cart_id: cart.id, currency: CURRENCY })
}

export function trackCartViewed(cart: Cart): void {
  cartViewed({ cart_id: cart.id, products: toSpecLines(cart.lines) })
}

/** The amounts of an order (euro cents). */
export interface OrderTotals {
  subtotalCents: number
  shippingCents: number
}

const toSpecTotals = (totals: OrderTotals): Order => ({
  // Segment: revenue excludes shipping and tax; total includes them (VAT is in the prices).
  revenue: euros(totals.subtotalCents),
  value: euros(totals.subtotalCents),
  subtotal: euros(totals.subtotalCents),
  shipping: euros(totals.shippingCents),
  total: euros(totals.subtotalCents + totals.shippingCents),
  currency: CURRENCY,
})

export function trackCheckoutStarted(orderId: string, cart: Cart, totals: OrderTotals): void {
  checkoutStarted({
    checkout_id: cart.id,
    order_id: orderId,
    ...toSpecTotals(totals),
    products: toSpecLines(cart.lines),
  })
}

/** Ties the visitor to the email given at checkout (a trait; the CRM keys contacts on it). */
export function identifyCustomer(email: string): void {
  identify({ email })
}

export function trackPaymentInfoEntered(
  orderId: string,
  cart: Cart,
  shippingMethod: string,
  paymentMethod: string,
): void {
  paymentInfoEntered({
    checkout_id: cart.id,
    order_id: orderId,
    step: 2,
    shipping_method: shippingMethod,
    payment_method: paymentMethod,
  })
}

export function trackOrderCompleted(orderId: string, cart: Cart, totals: OrderTotals): void {
  orderCompleted({
    checkout_id: cart.id,
    order_id: orderId,
    affiliation: 'Tostado online shop',
    ...toSpecTotals(totals),
    products: toSpecLines(cart.lines),
  })
}
