/**
 * The Measurement Protocol's naming rules, as data (shared/specs/forwarding.md §2;
 * https://developers.google.com/analytics/devguides/collection/protocol/ga4/reference#reserved_names).
 * The GA4 destination checks events against them before sending, and the tests' fake GA4 endpoint
 * refuses what Google's validation server refuses by the same list.
 */
/** Longer limits of three page parameters (characters). */
export const GA4_LONG_PARAMS: Record<string, number> = {
  page_title: 300,
  page_referrer: 420,
  page_location: 1000,
}

/** Event and parameter names: a letter, then letters, digits and underscores (at most 40 characters). */
export const GA4_NAME = /^[A-Za-z][A-Za-z0-9_]*$/
/** Event names reserved for Google's own use (MP reference, "Reserved names"). */
export const GA4_RESERVED_EVENTS = new Set([
  'ad_activeview',
  'ad_click',
  'ad_exposure',
  'ad_query',
  'ad_reward',
  'adunit_exposure',
  'app_background',
  'app_clear_data',
  'app_exception',
  'app_remove',
  'app_store_refund',
  'app_store_subscription_cancel',
  'app_store_subscription_convert',
  'app_store_subscription_renew',
  'app_update',
  'app_upgrade',
  'dynamic_link_app_open',
  'dynamic_link_app_update',
  'dynamic_link_first_open',
  'error',
  'firebase_campaign',
  'firebase_in_app_message_action',
  'firebase_in_app_message_dismiss',
  'firebase_in_app_message_impression',
  'first_open',
  'first_visit',
  'in_app_purchase',
  'notification_dismiss',
  'notification_foreground',
  'notification_open',
  'notification_receive',
  'os_update',
  'session_start',
  'session_start_with_rollout',
  'user_engagement',
])
/** Prefixes reserved for Google's own event and parameter names (MP reference, "Reserved names"). */
export const GA4_RESERVED_PREFIXES = ['_', 'firebase_', 'ga_', 'google_', 'gtag.']
