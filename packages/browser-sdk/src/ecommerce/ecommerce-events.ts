/**
 * Property types of the Segment E-commerce Spec v2 events
 * (https://segment.com/docs/connections/spec/ecommerce/v2/), so `track('Order Completed', {…})`
 * is type-checked. **Amounts are in major units of `currency`** (`19.99` for €19.99, not cents),
 * as the spec says and as the collector's forwarding reads them (`value`, else `revenue`, else
 * Σ price × quantity, else `total`). `currency` is an ISO 4217 code (`EUR`).
 * Types only: nothing here reaches a bundle.
 */

/** A product, in the product events and in `products` of cart, checkout and order events. */
export type Product = {
  product_id?: string
  sku?: string
  category?: string
  name?: string
  brand?: string
  variant?: string
  /** Unit price, major units (`19.99`). */
  price?: number
  quantity?: number
  coupon?: string
  /** Position in a list, 1-based. */
  position?: number
  url?: string
  image_url?: string
  [key: string]: unknown
}

/** A product event's properties: the product plus the currency and the cart it went to. */
export type ProductEvent = Product & { currency?: string; cart_id?: string; value?: number }

/** A list of products (search results, category page, cart). */
export type ProductList = {
  list_id?: string
  category?: string
  products?: Product[]
  [key: string]: unknown
}

/** An order, from checkout to refund. Every amount is in major units of `currency`. */
export type Order = {
  order_id?: string
  checkout_id?: string
  affiliation?: string
  /** Revenue with shipping and tax, minus discounts. */
  total?: number
  subtotal?: number
  /** Revenue from products only, without shipping and tax. */
  revenue?: number
  shipping?: number
  tax?: number
  discount?: number
  coupon?: string
  currency?: string
  products?: Product[]
  [key: string]: unknown
}

/** A checkout step (`step` is 1-based). */
export type CheckoutStep = {
  checkout_id?: string
  step?: number
  shipping_method?: string
  payment_method?: string
  [key: string]: unknown
}

/** A promotion (banner, internal campaign). */
export type Promotion = {
  promotion_id?: string
  creative?: string
  name?: string
  position?: string
  [key: string]: unknown
}

/** Event name → properties, for the events of the E-commerce Spec v2. */
export type EcommerceEvents = {
  'Products Searched': { query?: string; [key: string]: unknown }
  'Product List Viewed': ProductList
  'Product List Filtered': ProductList & { filters?: { type: string; value: string }[] }
  'Promotion Viewed': Promotion
  'Promotion Clicked': Promotion
  'Product Clicked': ProductEvent
  'Product Viewed': ProductEvent
  'Product Added': ProductEvent
  'Product Removed': ProductEvent
  'Cart Viewed': ProductList & { cart_id?: string }
  'Checkout Started': Order
  'Checkout Step Viewed': CheckoutStep
  'Checkout Step Completed': CheckoutStep
  'Payment Info Entered': CheckoutStep & { order_id?: string }
  'Order Completed': Order
  'Order Updated': Order
  'Order Refunded': Order
  'Order Cancelled': Order
  'Coupon Entered': { order_id?: string; cart_id?: string; coupon_id?: string; [key: string]: unknown }
  'Coupon Applied': {
    order_id?: string
    cart_id?: string
    coupon_id?: string
    coupon_name?: string
    discount?: number
    [key: string]: unknown
  }
  'Coupon Denied': {
    order_id?: string
    cart_id?: string
    coupon_id?: string
    reason?: string
    [key: string]: unknown
  }
  'Coupon Removed': { order_id?: string; cart_id?: string; coupon_id?: string; [key: string]: unknown }
  'Product Added to Wishlist': ProductEvent & { wishlist_id?: string; wishlist_name?: string }
  'Product Removed from Wishlist': ProductEvent & { wishlist_id?: string; wishlist_name?: string }
  'Product Shared': ProductEvent & { share_via?: string; share_message?: string; recipient?: string }
  'Product Reviewed': {
    product_id?: string
    review_id?: string
    review_body?: string
    rating?: number
    [key: string]: unknown
  }
}
