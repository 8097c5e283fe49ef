/**
 * Typed helpers for the most used E-commerce Spec events, for bundlers: each one is
 * `track('<Event Name>', properties)` on the default client, type-checked. Tree-shaken: a shop
 * pays only for the helpers it imports. Script-tag users call `rastro.track('Order Completed', {…})`.
 */
import { track } from '../index.js'
import type { EcommerceEvents } from './ecommerce-events.js'

const helper =
  <E extends keyof EcommerceEvents>(event: E) =>
  (properties: EcommerceEvents[E]): string | undefined =>
    track<string>(event, properties)

/** `Product Viewed`: a visitor saw a product page. */
export const productViewed = /*#__PURE__*/ helper('Product Viewed')
/** `Product List Viewed`: a visitor saw a list or category of products. */
export const productListViewed = /*#__PURE__*/ helper('Product List Viewed')
/** `Product Clicked`: a visitor clicked a product in a list. */
export const productClicked = /*#__PURE__*/ helper('Product Clicked')
/** `Product Added`: a product went into the cart. */
export const productAdded = /*#__PURE__*/ helper('Product Added')
/** `Product Removed`: a product left the cart. */
export const productRemoved = /*#__PURE__*/ helper('Product Removed')
/** `Cart Viewed`: a visitor opened the cart. */
export const cartViewed = /*#__PURE__*/ helper('Cart Viewed')
/** `Checkout Started`: the order as it enters checkout. */
export const checkoutStarted = /*#__PURE__*/ helper('Checkout Started')
/** `Checkout Step Completed`: a checkout step (shipping, payment…) was done. */
export const checkoutStepCompleted = /*#__PURE__*/ helper('Checkout Step Completed')
/** `Payment Info Entered`: the payment details were given. */
export const paymentInfoEntered = /*#__PURE__*/ helper('Payment Info Entered')
/** `Order Completed`: the purchase, with `revenue`/`total` and `currency` (major units). */
export const orderCompleted = /*#__PURE__*/ helper('Order Completed')
/** `Order Refunded`: a full or partial refund (`total` refunded, major units). */
export const orderRefunded = /*#__PURE__*/ helper('Order Refunded')
/** `Coupon Applied`: a coupon was accepted. */
export const couponApplied = /*#__PURE__*/ helper('Coupon Applied')
