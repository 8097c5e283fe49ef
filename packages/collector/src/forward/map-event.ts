/**
 * Event mapping: which Rastro events a destination receives, under which name, and the
 * e-commerce fields they carry. The standard table maps the Segment E-commerce Spec v2
 * (https://segment.com/docs/connections/spec/ecommerce/v2/) and page views to Meta standard events
 * (https://developers.facebook.com/docs/meta-pixel/reference, shared/specs/forwarding.md §1
 * "Standard events") and GA4 recommended events (developers.google.com/analytics/devguides/
 * collection/ga4/reference/events, §2 "E-commerce"); a tenant adds or removes mappings per
 * destination (`mappings`) and narrows them with an event list (`events`).
 */
import { HEATMAP_EVENT } from '@rastro/schema'
import { asNumber, asRecord, asText, type ForwardEvent, type JsonRecord } from './forward-event.js'

/** Segment event → [Meta standard event, GA4 recommended event]; `undefined`: no equivalent. */
const STANDARD_EVENTS: Record<string, [meta: string | undefined, ga4: string | undefined]> = {
  'Products Searched': ['Search', 'search'],
  'Product List Viewed': [undefined, 'view_item_list'],
  'Product Clicked': [undefined, 'select_item'],
  'Product Viewed': ['ViewContent', 'view_item'],
  'Product Added': ['AddToCart', 'add_to_cart'],
  'Product Removed': [undefined, 'remove_from_cart'],
  'Product Added to Wishlist': ['AddToWishlist', 'add_to_wishlist'],
  'Product Shared': [undefined, 'share'],
  'Cart Viewed': [undefined, 'view_cart'],
  'Checkout Started': ['InitiateCheckout', 'begin_checkout'],
  'Shipping Info Entered': [undefined, 'add_shipping_info'],
  'Payment Info Entered': ['AddPaymentInfo', 'add_payment_info'],
  'Order Completed': ['Purchase', 'purchase'],
  'Order Refunded': [undefined, 'refund'],
  'Promotion Viewed': [undefined, 'view_promotion'],
  'Promotion Clicked': [undefined, 'select_promotion'],
  'Signed Up': ['CompleteRegistration', 'sign_up'],
  'Signed In': [undefined, 'login'],
  'Lead Created': ['Lead', 'generate_lead'],
}

/** What a page call becomes. */
const PAGE_VIEW = { meta: 'PageView', ga4: 'page_view' } as const

/** The event name sent for a type of destination. */
export type NameStyle = 'meta' | 'ga4' | 'webhook'

/** The parts of a destination's config that choose events. */
export interface EventSelection {
  events?: readonly string[] | undefined
  mappings: Readonly<Record<string, string | null>>
  pageViews: boolean
}

/** `Trial Started` → `trial_started`: a GA4-valid name (letters, digits, `_`, ≤ 40, starting with a letter). */
export function toGa4Name(event: string): string | undefined {
  const name = event
    .normalize('NFKD')
    .replace(/[^A-Za-z0-9]+/g, '_')
    .replace(/^[^A-Za-z]+|_+$/g, '')
    .toLowerCase()
    .slice(0, 40)
  return name === '' ? undefined : name
}

/**
 * Makes the function that names a track or page call for a destination, or answers undefined
 * when the destination does not take it.
 */
export function createEventNamer(
  style: NameStyle,
  selection: EventSelection,
): (type: string, event: string) => string | undefined {
  const listed = selection.events ? new Set(selection.events) : undefined
  return (type, event) => {
    if (type === 'page')
      return selection.pageViews ? (style === 'webhook' ? 'page' : PAGE_VIEW[style]) : undefined
    if (type !== 'track') return undefined
    // Heatmap points are the dashboard's, not a business event: only an explicit list forwards them.
    if (listed ? !listed.has(event) : event === HEATMAP_EVENT) return undefined
    if (style === 'webhook') return event
    const custom = selection.mappings[event]
    if (custom === null) return undefined
    const mapped = custom ?? STANDARD_EVENTS[event]?.[style === 'meta' ? 0 : 1]
    if (mapped) return mapped
    // Listed without a mapping: a custom event under a name derived from Rastro's.
    if (!listed) return undefined
    return style === 'meta' ? event.slice(0, 100) : toGa4Name(event)
  }
}

/**
 * The track event names a destination may take, for reading only those from ClickHouse (replay);
 * undefined when any name may be taken (a webhook without an event list).
 */
export function getSelectedEvents(style: NameStyle, selection: EventSelection): string[] | undefined {
  if (selection.events) return [...selection.events]
  if (style === 'webhook') return undefined
  const names = new Set(
    Object.entries(STANDARD_EVENTS)
      .filter(([, mapped]) => mapped[style === 'meta' ? 0 : 1] !== undefined)
      .map(([name]) => name),
  )
  for (const [name, mapped] of Object.entries(selection.mappings)) {
    if (mapped === null) names.delete(name)
    else names.add(name)
  }
  return [...names]
}

/** One product of an e-commerce event, Segment fields, money in major units. */
export interface Product {
  id: string | undefined
  name: string | undefined
  price: number | undefined
  quantity: number
  category: string | undefined
  brand: string | undefined
  variant: string | undefined
  coupon: string | undefined
  /** Position in a list, from 1. */
  position: number | undefined
}

/** The e-commerce fields of an event (Segment E-commerce Spec v2). */
export interface Commerce {
  /** The conversion's value in major units: `value`, else `revenue`, else Σ price × quantity, else `total`. */
  value: number | undefined
  /** ISO 4217, upper case. */
  currency: string | undefined
  orderId: string | undefined
  products: Product[]
  tax: number | undefined
  shipping: number | undefined
  coupon: string | undefined
  affiliation: string | undefined
  /** `Products Searched` query. */
  query: string | undefined
  paymentMethod: string | undefined
  shippingMethod: string | undefined
  /** `Signed Up` / `Signed In` method. */
  method: string | undefined
}

function toProduct(source: JsonRecord): Product | undefined {
  const id = asText(source.product_id) ?? asText(source.sku) ?? asText(source.id)
  const name = asText(source.name)
  if (id === undefined && name === undefined) return undefined
  const quantity = asNumber(source.quantity)
  return {
    id,
    name,
    price: asNumber(source.price),
    quantity: quantity !== undefined && quantity > 0 ? quantity : 1,
    category: asText(source.category),
    brand: asText(source.brand),
    variant: asText(source.variant),
    coupon: asText(source.coupon),
    position: asNumber(source.position),
  }
}

/** Rounds sums of floats (`12.99 × 3`) to 6 decimals, enough for every ISO 4217 minor unit. */
function round(amount: number): number {
  return Math.round(amount * 1e6) / 1e6
}

/** Reads the e-commerce fields of a track call (a single-product event's own fields count as its product). */
export function getCommerce(event: ForwardEvent): Commerce {
  const properties = event.properties
  const list = Array.isArray(properties.products) ? properties.products : undefined
  // A single-product event (`Product Viewed`) is its own product when it names one by id.
  const single = (asText(properties.product_id) ?? asText(properties.sku)) ? [toProduct(properties)] : []
  const products = (list ? list.map((item) => toProduct(asRecord(item))) : single).filter(
    (product) => product !== undefined,
  )
  const priced = products.length > 0 && products.every((product) => product.price !== undefined)
  const sum = priced
    ? round(products.reduce((total, product) => total + product.price! * product.quantity, 0))
    : undefined
  const currency = asText(properties.currency)
  return {
    value: asNumber(properties.value) ?? asNumber(properties.revenue) ?? sum ?? asNumber(properties.total),
    currency: currency && /^[A-Za-z]{3}$/.test(currency) ? currency.toUpperCase() : undefined,
    orderId: asText(properties.order_id),
    products,
    tax: asNumber(properties.tax),
    shipping: asNumber(properties.shipping),
    coupon: asText(properties.coupon),
    affiliation: asText(properties.affiliation),
    query: asText(properties.query),
    paymentMethod: asText(properties.payment_method),
    shippingMethod: asText(properties.shipping_method),
    method: asText(properties.method),
  }
}
