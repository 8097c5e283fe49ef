/**
 * `@rastro/node`: the server SDK of Rastro. Segment-compatible calls, typed e-commerce conversions,
 * browser-session matching from incoming requests, and webhook signature checks.
 */
export { Rastro, LIBRARY, MAX_CONCURRENT_REQUESTS, type RastroOptions } from './rastro.js'
export type {
  CallParams,
  TrackParams,
  IdentifyParams,
  PageParams,
  ScreenParams,
  GroupParams,
  AliasParams,
} from './call-params.js'
export {
  CONVERSION_EVENTS,
  productsSearched,
  productViewed,
  productAdded,
  productRemoved,
  cartViewed,
  checkoutStarted,
  paymentInfoEntered,
  orderCompleted,
  orderRefunded,
  signedUp,
  leadCreated,
  type UserTraits,
  type ConversionIdentity,
  type Product,
  type MoneyProperties,
  type ProductsSearchedProperties,
  type ProductProperties,
  type CartViewedProperties,
  type OrderMoney,
  type CheckoutStartedProperties,
  type PaymentInfoEnteredProperties,
  type OrderCompletedProperties,
  type OrderRefundedProperties,
  type SignedUpProperties,
  type LeadCreatedProperties,
} from './conversions.js'
export { fromRequest, type RequestLike, type RequestIds, type FromRequestOptions } from './from-request.js'
export { BROWSER_COOKIES, getBrowserIds, type BrowserIds } from './get-browser-ids.js'
export { getBrowserConsent } from './get-browser-consent.js'
export type { TrustProxy } from './get-client-ip.js'
export { parseCookies } from './parse-cookies.js'
export { createMessageId } from './create-message-id.js'
export {
  verifyWebhookSignature,
  SIGNATURE_HEADER,
  TIMESTAMP_HEADER,
  DEFAULT_TOLERANCE_SECONDS,
  type VerifyWebhookOptions,
  type VerifyWebhookResult,
  type WebhookHeaders,
} from './verify-webhook-signature.js'
export { RastroNodeError, nodeErrorCodes, type NodeErrorCode, type RastroNodeErrorDetails } from './errors.js'
export type { ConsentContext, EventContext, RastroEvent, JsonObject } from '@rastro/schema/types'
