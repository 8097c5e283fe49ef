/**
 * Typed helpers for the conversion events of the Segment E-commerce Spec v2
 * (https://segment.com/docs/connections/spec/ecommerce/v2/) plus `Signed Up` and `Lead Created`.
 * Each returns the arguments of `rastro.track()`, with properties checked and normalised so that
 * forwarding maps them to Meta CAPI `custom_data` and GA4 e-commerce params without guessing
 * (shared/specs/forwarding.md §1 "custom_data", §2 "E-commerce"):
 * - money in major units (`12.99`, not `1299`) and `currency` as upper-case ISO 4217;
 * - `value` always set when money is involved (Meta `Purchase` and GA4 `purchase` require it with
 *   a currency): given `value`, else `revenue`, else Σ price × quantity of `products`, else `total`;
 * - every product has `product_id`, `sku` or `name` (GA4 items need `item_id` or `item_name`) and a
 *   `quantity` (default 1);
 * - the buyer's email, phone and name go raw in `context.traits`, where forwarding normalises and
 *   hashes them per destination (Meta and Google hash phones differently, so the SDK must not).
 *
 * @example
 * rastro.track(orderCompleted(
 *   { order_id: 'o-1001', currency: 'EUR', products: [{ product_id: 'beans-1kg', price: 24, quantity: 2 }] },
 *   { userId: 'u-42', traits: { email: 'ana@example.com' }, ...rastro.fromRequest(req) },
 * ))
 */
import type { JsonObject } from '@rastro/schema/types'
import type { CallParams, TrackParams } from './call-params.js'
import { createError } from './errors.js'

/** The event names, as the Segment E-commerce Spec spells them. */
export const CONVERSION_EVENTS = {
  productsSearched: 'Products Searched',
  productViewed: 'Product Viewed',
  productAdded: 'Product Added',
  productRemoved: 'Product Removed',
  cartViewed: 'Cart Viewed',
  checkoutStarted: 'Checkout Started',
  paymentInfoEntered: 'Payment Info Entered',
  orderCompleted: 'Order Completed',
  orderRefunded: 'Order Refunded',
  signedUp: 'Signed Up',
  leadCreated: 'Lead Created',
} as const

/**
 * What you know about the buyer, raw. Forwarding normalises and hashes it (SHA-256) per destination;
 * it is never sent anywhere in clear. Names follow Segment's reserved identify traits.
 */
export interface UserTraits {
  email?: string
  /** With the country code, any format (`+1 (650) 555-1212`). */
  phone?: string
  firstName?: string
  lastName?: string
  /** `YYYY-MM-DD`. */
  birthday?: string
  gender?: string
  address?: {
    street?: string
    city?: string
    state?: string
    postalCode?: string
    /** ISO 3166-1 alpha-2, e.g. `PT`. */
    country?: string
  }
  [key: string]: unknown
}

/** Who converted: the ids of any call, plus the buyer's {@link UserTraits}. */
export interface ConversionIdentity extends CallParams {
  traits?: UserTraits
}

/** One product, Segment E-commerce Spec v2 fields. Needs `product_id`, `sku` or `name`. */
export interface Product {
  product_id?: string
  sku?: string
  name?: string
  /** Unit price in major units of the event's currency (`12.99`). */
  price?: number
  /** Units; default 1. */
  quantity?: number
  category?: string
  brand?: string
  variant?: string
  coupon?: string
  /** Position in a list, from 1. */
  position?: number
  url?: string
  image_url?: string
  [key: string]: unknown
}

/** Money of an event: `value` in major units of `currency` (ISO 4217: `EUR`, `usd`…). */
export interface MoneyProperties {
  /** ISO 4217 code; required as soon as there is a value or a price. */
  currency?: string
  /** The conversion's value in major units; computed when left out (see the module notes). */
  value?: number
  [key: string]: unknown
}

/** `Products Searched`. */
export interface ProductsSearchedProperties {
  query: string
  [key: string]: unknown
}

/** `Product Viewed`, `Product Added`, `Product Removed`: the product's fields, flat. */
export interface ProductProperties extends Product, MoneyProperties {
  cart_id?: string
}

/** `Cart Viewed`. */
export interface CartViewedProperties extends MoneyProperties {
  cart_id?: string
  products: Product[]
}

/** Money fields of a checkout or an order, all in major units. */
export interface OrderMoney extends MoneyProperties {
  /** Revenue excluding shipping and tax. */
  revenue?: number
  /** Total including shipping and tax. */
  total?: number
  subtotal?: number
  shipping?: number
  tax?: number
  discount?: number
  coupon?: string
  affiliation?: string
  products?: Product[]
}

/** `Checkout Started`. */
export interface CheckoutStartedProperties extends OrderMoney {
  checkout_id?: string
  order_id?: string
  currency: string
}

/** `Payment Info Entered`. */
export interface PaymentInfoEnteredProperties extends OrderMoney {
  checkout_id?: string
  order_id?: string
  payment_method?: string
  shipping_method?: string
}

/** `Order Completed`: Meta `Purchase`, GA4 `purchase` (`order_id` → `transaction_id`). */
export interface OrderCompletedProperties extends OrderMoney {
  order_id: string
  currency: string
  checkout_id?: string
  payment_method?: string
}

/** `Order Refunded`: GA4 `refund`. Leave out `value` and `products` for a full refund. */
export interface OrderRefundedProperties extends OrderMoney {
  order_id: string
}

/** `Signed Up`: Meta `CompleteRegistration`. */
export interface SignedUpProperties extends MoneyProperties {
  /** How, e.g. `email`, `google`. */
  method?: string
}

/** `Lead Created`: Meta `Lead`, GA4 `generate_lead`. */
export interface LeadCreatedProperties extends MoneyProperties {
  lead_id?: string
  source?: string
}

const MONEY_FIELDS = [
  'value',
  'revenue',
  'total',
  'subtotal',
  'shipping',
  'tax',
  'discount',
  'price',
] as const

function invalid(field: string, message: string): never {
  throw createError('RASTRO_ERR_NODE_EVENT_INVALID', { field, message: `${field}: ${message}` })
}

/** Floating sums (`12.99 × 3`) rounded to 6 decimals, enough for every ISO 4217 minor unit. */
function round(amount: number): number {
  return Math.round(amount * 1e6) / 1e6
}

function checkAmounts(source: Record<string, unknown>, prefix: string): void {
  for (const field of MONEY_FIELDS) {
    const amount = source[field]
    if (amount === undefined) continue
    if (typeof amount !== 'number' || !Number.isFinite(amount) || amount < 0)
      invalid(`${prefix}${field}`, 'must be a finite number ≥ 0, in major units')
  }
}

function normalizeProduct(product: Product, field: string): Product {
  if (typeof product !== 'object' || product === null) invalid(field, 'must be an object')
  const { product_id, sku, name, quantity = 1 } = product
  if (![product_id, sku, name].some((id) => typeof id === 'string' && id !== ''))
    invalid(field, 'needs product_id, sku or name')
  checkAmounts(product, `${field}.`)
  if (typeof quantity !== 'number' || !Number.isFinite(quantity) || quantity <= 0)
    invalid(`${field}.quantity`, 'must be a number > 0')
  return { ...product, quantity }
}

function normalizeProducts(products: unknown): Product[] | undefined {
  if (products === undefined) return undefined
  if (!Array.isArray(products)) invalid('properties.products', 'must be an array')
  return products.map((product: Product, index) => normalizeProduct(product, `properties.products.${index}`))
}

/** Σ price × quantity, or undefined when a product has no price. */
function sumProducts(products: Product[] | undefined): number | undefined {
  if (!products || products.length === 0 || products.some((product) => product.price === undefined))
    return undefined
  return round(products.reduce((sum, product) => sum + product.price! * product.quantity!, 0))
}

/**
 * Checks amounts and products, fills `value` (given, else revenue, else Σ products, else total)
 * and upper-cases `currency`; a value without a currency is refused, since neither Meta nor GA4
 * can use it.
 */
function normalizeMoney(properties: Record<string, unknown>, valueRequired: boolean): JsonObject {
  if (typeof properties !== 'object' || properties === null) invalid('properties', 'must be an object')
  checkAmounts(properties, 'properties.')
  const products = normalizeProducts(properties.products)
  const value =
    (properties.value as number | undefined) ??
    (properties.revenue as number | undefined) ??
    sumProducts(products) ??
    (properties.total as number | undefined)
  const out: JsonObject = { ...properties, ...(products ? { products } : {}) }
  if (value === undefined) {
    if (valueRequired) invalid('properties.value', 'give value, revenue, total or products with prices')
  } else out.value = value
  const { currency } = properties
  if (currency !== undefined) {
    if (typeof currency !== 'string' || !/^[A-Za-z]{3}$/.test(currency))
      invalid('properties.currency', 'must be a 3-letter ISO 4217 code, e.g. EUR')
    out.currency = currency.toUpperCase()
  } else if (value !== undefined) invalid('properties.currency', 'is required with a value (ISO 4217)')
  return out
}

function requireText(properties: Record<string, unknown>, field: string): void {
  const text = properties[field]
  if (typeof text !== 'string' || text === '') invalid(`properties.${field}`, 'must be a non-empty string')
}

function createTrack(event: string, properties: JsonObject, identity: ConversionIdentity = {}): TrackParams {
  const { traits, ...call } = identity
  if (!traits) return { ...call, event, properties }
  const context = call.context ?? {}
  const contextTraits = (context.traits as JsonObject | undefined) ?? {}
  return { ...call, event, properties, context: { ...context, traits: { ...contextTraits, ...traits } } }
}

/** `Products Searched`: Meta `Search`, GA4 `search`. @throws RastroNodeError `RASTRO_ERR_NODE_EVENT_INVALID` */
export function productsSearched(
  properties: ProductsSearchedProperties,
  identity?: ConversionIdentity,
): TrackParams {
  requireText(properties, 'query')
  return createTrack(CONVERSION_EVENTS.productsSearched, { ...properties }, identity)
}

/** Properties of a one-product event: value defaults to price × quantity. */
function normalizeProductEvent(properties: ProductProperties): JsonObject {
  const product = normalizeProduct(properties, 'properties')
  const value =
    properties.value ?? (product.price === undefined ? undefined : round(product.price * product.quantity!))
  return normalizeMoney({ ...product, ...(value === undefined ? {} : { value }) }, false)
}

/** `Product Viewed`: Meta `ViewContent`, GA4 `view_item`. @throws RastroNodeError `RASTRO_ERR_NODE_EVENT_INVALID` */
export function productViewed(properties: ProductProperties, identity?: ConversionIdentity): TrackParams {
  return createTrack(CONVERSION_EVENTS.productViewed, normalizeProductEvent(properties), identity)
}

/** `Product Added`: Meta `AddToCart`, GA4 `add_to_cart`. @throws RastroNodeError `RASTRO_ERR_NODE_EVENT_INVALID` */
export function productAdded(properties: ProductProperties, identity?: ConversionIdentity): TrackParams {
  return createTrack(CONVERSION_EVENTS.productAdded, normalizeProductEvent(properties), identity)
}

/** `Product Removed`: GA4 `remove_from_cart`. @throws RastroNodeError `RASTRO_ERR_NODE_EVENT_INVALID` */
export function productRemoved(properties: ProductProperties, identity?: ConversionIdentity): TrackParams {
  return createTrack(CONVERSION_EVENTS.productRemoved, normalizeProductEvent(properties), identity)
}

/** `Cart Viewed`: GA4 `view_cart`. @throws RastroNodeError `RASTRO_ERR_NODE_EVENT_INVALID` */
export function cartViewed(properties: CartViewedProperties, identity?: ConversionIdentity): TrackParams {
  return createTrack(CONVERSION_EVENTS.cartViewed, normalizeMoney(properties, false), identity)
}

/** `Checkout Started`: Meta `InitiateCheckout`, GA4 `begin_checkout`. @throws RastroNodeError `RASTRO_ERR_NODE_EVENT_INVALID` */
export function checkoutStarted(
  properties: CheckoutStartedProperties,
  identity?: ConversionIdentity,
): TrackParams {
  return createTrack(CONVERSION_EVENTS.checkoutStarted, normalizeMoney(properties, true), identity)
}

/** `Payment Info Entered`: Meta `AddPaymentInfo`, GA4 `add_payment_info`. @throws RastroNodeError `RASTRO_ERR_NODE_EVENT_INVALID` */
export function paymentInfoEntered(
  properties: PaymentInfoEnteredProperties,
  identity?: ConversionIdentity,
): TrackParams {
  return createTrack(CONVERSION_EVENTS.paymentInfoEntered, normalizeMoney(properties, false), identity)
}

/**
 * `Order Completed`: Meta `Purchase` (value and currency required), GA4 `purchase`. Needs
 * `order_id`, `currency` and a value (given or computed). Pass `messageId: \`order-${id}\`` to
 * count an order once even if your code reports it twice.
 *
 * @throws RastroNodeError `RASTRO_ERR_NODE_EVENT_INVALID` naming the field.
 */
export function orderCompleted(
  properties: OrderCompletedProperties,
  identity?: ConversionIdentity,
): TrackParams {
  requireText(properties, 'order_id')
  const normalized = normalizeMoney(properties, true)
  // Segment destinations read `revenue` for orders; keep it in step when only a value was given.
  if (normalized.revenue === undefined) normalized.revenue = normalized.value
  return createTrack(CONVERSION_EVENTS.orderCompleted, normalized, identity)
}

/** `Order Refunded`: GA4 `refund`. Needs `order_id`. @throws RastroNodeError `RASTRO_ERR_NODE_EVENT_INVALID` */
export function orderRefunded(
  properties: OrderRefundedProperties,
  identity?: ConversionIdentity,
): TrackParams {
  requireText(properties, 'order_id')
  return createTrack(CONVERSION_EVENTS.orderRefunded, normalizeMoney(properties, false), identity)
}

/** `Signed Up`: Meta `CompleteRegistration`, GA4 `sign_up`. @throws RastroNodeError `RASTRO_ERR_NODE_EVENT_INVALID` */
export function signedUp(properties: SignedUpProperties = {}, identity?: ConversionIdentity): TrackParams {
  return createTrack(CONVERSION_EVENTS.signedUp, normalizeMoney(properties, false), identity)
}

/** `Lead Created`: Meta `Lead`, GA4 `generate_lead`. @throws RastroNodeError `RASTRO_ERR_NODE_EVENT_INVALID` */
export function leadCreated(
  properties: LeadCreatedProperties = {},
  identity?: ConversionIdentity,
): TrackParams {
  return createTrack(CONVERSION_EVENTS.leadCreated, normalizeMoney(properties, false), identity)
}
