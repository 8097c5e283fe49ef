/**
 * GA4 Measurement Protocol (shared/specs/forwarding.md §2), to Google or to a server-side GTM
 * container that claims `/mp/collect` (§3): JSON posts to `{apiUrl}/mp/collect`, at most 25 events
 * per request, all of one visitor (a request carries one `client_id`, `user_id`, consent and
 * `user_data`). Every event carries `session_id` and `engagement_time_msec` (without them GA4 shows
 * nothing in Realtime or sessions) and the visitor's consent as `ad_user_data`/`ad_personalization`;
 * hashed `user_data` is sent only when marketing was granted. GA4 answers 2xx to anything it
 * receives, so names and limits are checked here before sending.
 */
import type { Ga4DestinationConfig } from '../config/destination-schema.js'
import {
  classifyHttpAnswer,
  toNetworkFailure,
  toResults,
  type AttemptResult,
  type Delivery,
  type Destination,
  type DestinationOptions,
  type Prepared,
} from './destination.js'
import { asNumber, asRecord, asText, type ForwardEvent, type JsonRecord } from './forward-event.js'
import type { Consent } from './get-consent.js'
import { parseRetryAfter } from './get-retry-delay.js'
import { getUserInfo } from './get-user-info.js'
import {
  hashWith,
  normalizeGoogleEmail,
  normalizeGoogleName,
  normalizeGooglePhone,
  normalizeGooglePlace,
  normalizeGoogleStreet,
  sha256Hex,
} from './hash-pii.js'
import { normalizeCountry } from '../util/normalize-country.js'
import { createEventNamer, getCommerce } from './map-event.js'
import { mapConcurrently } from './map-concurrently.js'
import { GA4_LONG_PARAMS, GA4_NAME, GA4_RESERVED_EVENTS, GA4_RESERVED_PREFIXES } from './ga4-names.js'
import { createHttpPool, postJson } from './post-json.js'

/** GA4 accepts events backdated up to 72 hours (`timestamp_micros`). */
export const GA4_WINDOW_MS = 72 * 3600 * 1000
/** Sent a minute inside the window [ours], so an event cannot age out in flight. */
const WINDOW_MARGIN_MS = 60_000

/** Measurement Protocol limits (sending-events "Limitations"; support answer 9267744). */
export const GA4_LIMITS = {
  eventsPerRequest: 25,
  paramsPerEvent: 25,
  nameLength: 40,
  valueLength: 100,
  items: 200,
  userIdLength: 256,
  /** The body must be smaller than 130 kB. */
  bodyBytes: 130_000,
} as const

/** Bytes a request's own fields (ids, consent, user data, device) may take beside its events. */
const BODY_ROOM = 8192

/** UTF-8 bytes of the request body that sends `event` alone. */
function getBodyBytes(request: JsonRecord, event: JsonRecord): number {
  return Buffer.byteLength(JSON.stringify({ ...request, events: [event] }))
}

/** Engagement time sent with every event (ms): Google's examples use 100; Rastro does not measure it per event. */
const ENGAGEMENT_TIME_MSEC = '100'

/** An item of GA4's `items[]`. */
type Ga4Item = Record<string, string | number>

function put(target: JsonRecord, key: string, value: unknown): void {
  if (value !== undefined && value !== '') target[key] = value
}

/** Strings cut to GA4's value length for `name` (100 characters, longer for page parameters). */
function fit(name: string, value: string | undefined): string | undefined {
  if (value === undefined) return undefined
  return value.slice(0, GA4_LONG_PARAMS[name] ?? GA4_LIMITS.valueLength)
}

/**
 * GA4's `session_id` for Rastro's session id: the browser SDK's ids are UUID v7, whose first 48
 * bits are the session start in ms, so the GA session id (start time in Unix seconds, as gtag
 * makes it) falls out; digits pass as they are; other ids are hashed to a number. An event
 * without a session gets the half hour it happened in [ours].
 */
export function getGa4SessionId(sessionId: string, timestampMs: number): string {
  if (/^[0-9a-f]{8}-[0-9a-f]{4}-7/i.test(sessionId)) {
    return String(Math.floor(Number.parseInt(sessionId.replaceAll('-', '').slice(0, 12), 16) / 1000))
  }
  if (/^\d{1,19}$/.test(sessionId)) return sessionId
  if (sessionId !== '') return String(Number.parseInt(sha256Hex(sessionId).slice(0, 8), 16))
  return String(Math.floor(timestampMs / 1_800_000) * 1800)
}

/** A GA client id as gtag's `_ga` cookie holds it: `<random>.<first visit, Unix s>`. */
const GA_CLIENT_ID = /^\d{1,20}\.\d{1,20}$/

/** gtag's session id for `measurementId` in `context.ga4.sessionIds` (its session start, Unix s). */
function getGaSession(ga4: JsonRecord, measurementId: string): string | undefined {
  const session = asText(asRecord(ga4.sessionIds)[measurementId])
  return session && /^\d{1,20}$/.test(session) ? session : undefined
}

function isReservedName(name: string): boolean {
  return GA4_RESERVED_PREFIXES.some((prefix) => name.startsWith(prefix))
}

/**
 * Checks one GA4 event against the Measurement Protocol's rules (the validation server's
 * NAME_INVALID, NAME_RESERVED, VALUE_OUT_OF_BOUNDS, VALUE_REQUIRED, EXCEEDED_MAX_ENTITIES).
 *
 * @returns what is wrong, or undefined when the event is valid.
 */
export function validateGa4Event(event: { name: string; params: JsonRecord }): string | undefined {
  const { name, params } = event
  if (!GA4_NAME.test(name) || name.length > GA4_LIMITS.nameLength)
    return `event name "${name}" is not a valid GA4 name`
  if (GA4_RESERVED_EVENTS.has(name) || isReservedName(name)) return `event name "${name}" is reserved by GA4`
  const names = Object.keys(params)
  if (names.length > GA4_LIMITS.paramsPerEvent)
    return `${names.length} parameters; GA4 takes ${GA4_LIMITS.paramsPerEvent}`
  for (const param of names) {
    if (
      !GA4_NAME.test(param) ||
      param.length > GA4_LIMITS.nameLength ||
      isReservedName(param) ||
      param === 'firebase_conversion'
    ) {
      return `parameter name "${param}" is not allowed by GA4`
    }
  }
  if (params.value !== undefined && params.currency === undefined) return 'value needs a currency (ISO 4217)'
  if ((name === 'purchase' || name === 'refund') && params.transaction_id === undefined) {
    return `${name} needs a transaction id (properties.order_id)`
  }
  const items = params.items
  if (Array.isArray(items) && items.some((item) => !asRecord(item).item_id && !asRecord(item).item_name)) {
    return 'every item needs an item_id or item_name'
  }
  return undefined
}

export class Ga4Destination implements Destination {
  readonly tenantId: string
  readonly config: Ga4DestinationConfig
  readonly windowMs = GA4_WINDOW_MS - WINDOW_MARGIN_MS
  readonly consent = 'analytics' as const
  readonly nameEvent: (type: string, event: string) => string | undefined
  readonly #now: () => number
  readonly #userAgent: string
  readonly #pool
  readonly #url: string

  constructor(tenantId: string, config: Ga4DestinationConfig, options: DestinationOptions = {}) {
    this.tenantId = tenantId
    this.config = config
    this.nameEvent = createEventNamer('ga4', config)
    this.#now = options.now ?? Date.now
    this.#userAgent = options.userAgent ?? 'rastro-collector'
    this.#pool = createHttpPool(config.concurrency, config.timeoutMs)
    const url = new URL(`${config.apiUrl.replace(/\/+$/, '')}/mp/collect`)
    url.searchParams.set('measurement_id', config.measurementId)
    url.searchParams.set('api_secret', config.apiSecret)
    this.#url = url.toString()
  }

  /** Hashed `user_data` (uid-data): email, phone, and the name and address in `address[0]`. */
  #getUserData(event: ForwardEvent): JsonRecord | undefined {
    const info = getUserInfo(event)
    const userData: JsonRecord = {}
    const email = hashWith(info.email, normalizeGoogleEmail)
    // A national number takes the address's country code, else the visitor's.
    const country = info.country ? normalizeCountry(info.country.normalize('NFC').trim()) : undefined
    const phone = hashWith(info.phone, (text) => normalizeGooglePhone(text, country ?? event.country))
    if (email) userData.sha256_email_address = [email]
    if (phone) userData.sha256_phone_number = [phone]
    const address: JsonRecord = {}
    put(address, 'sha256_first_name', hashWith(info.firstName, normalizeGoogleName))
    put(address, 'sha256_last_name', hashWith(info.lastName, normalizeGoogleName))
    put(address, 'sha256_street', hashWith(info.street, normalizeGoogleStreet))
    put(address, 'city', normalizeGooglePlace(info.city))
    put(address, 'region', normalizeGooglePlace(info.state))
    put(address, 'postal_code', info.postalCode?.trim().toLowerCase())
    put(address, 'country', country?.toUpperCase())
    if (Object.keys(address).length > 0) userData.address = [address]
    return Object.keys(userData).length > 0 ? userData : undefined
  }

  /** The request-level fields; events with equal ones share a request. */
  #getRequest(event: ForwardEvent, consent: Consent): JsonRecord {
    const granted = consent.marketing ? 'GRANTED' : 'DENIED'
    // gtag's own ids when the page runs it too (`context.ga4`, from the `_ga` cookies): the events
    // then count as gtag's user and session, not a second visitor (§2 "Body": client_id "must
    // match the browser's GA client id if one exists").
    const ga4 = asRecord(event.context.ga4)
    const gaClientId = asText(ga4.clientId)
    const request: JsonRecord = {
      client_id: gaClientId && GA_CLIENT_ID.test(gaClientId) ? gaClientId : event.anonymousId || event.userId,
      consent: { ad_user_data: granted, ad_personalization: granted },
    }
    if (event.userId && event.userId.length <= GA4_LIMITS.userIdLength) request.user_id = event.userId
    // Denied ad consent: no user-provided data at all (§6 "Consent gating").
    if (consent.marketing) put(request, 'user_data', this.#getUserData(event))
    // MP does not derive geo or device from the sender: the collector supplies them (§2 "Body").
    put(request, 'ip_override', asText(event.context.ip) ?? event.ip)
    // The visitor's country (the sender's context.location.country, else looked up from the whole
    // IP before it was anonymised): `ip_override` is the anonymised address when the site
    // anonymises IPs (§2 "Body": `user_location.country_id`, ISO 3166-1 alpha-2).
    if (event.country) request.user_location = { country_id: event.country }
    const device: JsonRecord = {}
    const screen = asRecord(event.context.screen)
    const [width, height] = [asNumber(screen.width), asNumber(screen.height)]
    put(device, 'category', event.deviceType)
    put(device, 'language', event.locale)
    if (width && height) device.screen_resolution = `${width}x${height}`
    put(device, 'operating_system', event.os)
    put(device, 'operating_system_version', event.osVersion)
    put(device, 'browser', event.browser)
    put(device, 'browser_version', event.browserVersion)
    if (Object.keys(device).length > 0) request.device = device
    return request
  }

  /** The event's parameters: session and engagement, page, and the e-commerce fields of its name. */
  #getParams(event: ForwardEvent, name: string): JsonRecord {
    const params: JsonRecord = {
      session_id:
        getGaSession(asRecord(event.context.ga4), this.config.measurementId) ??
        getGa4SessionId(event.sessionId, event.timestampMs),
      engagement_time_msec: ENGAGEMENT_TIME_MSEC,
    }
    put(params, 'page_location', fit('page_location', event.url || undefined))
    put(params, 'page_title', fit('page_title', event.title || undefined))
    put(params, 'page_referrer', fit('page_referrer', event.referrer || undefined))
    if (event.type !== 'track') return params
    const commerce = getCommerce(event)
    put(params, 'currency', commerce.currency)
    // GA4 refuses a value without a currency; a purchase without one is reported by validation.
    if (commerce.currency || name === 'purchase' || name === 'refund') put(params, 'value', commerce.value)
    if (name === 'purchase' || name === 'refund')
      put(params, 'transaction_id', fit('transaction_id', commerce.orderId))
    put(params, 'tax', commerce.tax)
    put(params, 'shipping', commerce.shipping)
    put(params, 'coupon', fit('coupon', commerce.coupon))
    put(params, 'affiliation', fit('affiliation', commerce.affiliation))
    if (name === 'search') put(params, 'search_term', fit('search_term', commerce.query))
    if (name === 'add_payment_info') put(params, 'payment_type', fit('payment_type', commerce.paymentMethod))
    if (name === 'add_shipping_info')
      put(params, 'shipping_tier', fit('shipping_tier', commerce.shippingMethod))
    if (name === 'sign_up' || name === 'login') put(params, 'method', fit('method', commerce.method))
    if (commerce.products.length > 0) {
      params.items = commerce.products.slice(0, GA4_LIMITS.items).map((product, index) => {
        const item: Ga4Item = {}
        put(item, 'item_id', fit('item_id', product.id))
        put(item, 'item_name', fit('item_name', product.name))
        put(item, 'price', product.price)
        item.quantity = product.quantity
        put(item, 'item_category', fit('item_category', product.category))
        put(item, 'item_brand', fit('item_brand', product.brand))
        put(item, 'item_variant', fit('item_variant', product.variant))
        put(item, 'coupon', fit('coupon', product.coupon))
        item.index = product.position ?? index
        return item
      })
    }
    return params
  }

  prepare(event: ForwardEvent, eventName: string, consent: Consent): Prepared {
    const request = this.#getRequest(event, consent)
    if (!request.client_id)
      return { invalid: 'a GA4 event needs a client_id: the event has neither anonymousId nor userId' }
    const ga4Event = {
      name: eventName,
      params: this.#getParams(event, eventName),
      // GA4 refuses future times: a client clock ahead of ours is clamped [ours].
      timestamp_micros: Math.min(event.timestampMs, this.#now()) * 1000,
    }
    const invalid = validateGa4Event(ga4Event)
    if (invalid) return { invalid }
    // GA4 answers 2xx and drops a body of 130 kB or more: an event too large for a request of
    // its own (up to 200 items of long names) leaves out items from the end until it fits.
    let bytes = getBodyBytes(request, ga4Event)
    const items = ga4Event.params.items
    while (bytes >= GA4_LIMITS.bodyBytes && Array.isArray(items) && items.length > 1) {
      items.length = Math.max(1, Math.floor((items.length * (GA4_LIMITS.bodyBytes - BODY_ROOM)) / bytes))
      bytes = getBodyBytes(request, ga4Event)
    }
    if (bytes >= GA4_LIMITS.bodyBytes)
      return { invalid: `the event is ${bytes} bytes in a request; GA4 takes bodies under 130,000` }
    return { item: { request, event: ga4Event } }
  }

  async send(deliveries: Delivery[]): Promise<AttemptResult[]> {
    // One request per visitor (equal request-level fields), ≤ 25 events and < 130 kB each.
    const groups = new Map<string, Delivery[]>()
    for (const delivery of deliveries) {
      const key = JSON.stringify(delivery.item.request)
      const group = groups.get(key)
      if (group) group.push(delivery)
      else groups.set(key, [delivery])
    }
    const requests: Delivery[][] = []
    for (const group of groups.values()) {
      let current: Delivery[] = []
      let bytes = 0
      for (const delivery of group) {
        const size = Buffer.byteLength(JSON.stringify(delivery.item.event)) + 1
        if (
          current.length > 0 &&
          (current.length >= this.config.maxBatchEvents || bytes + size > GA4_LIMITS.bodyBytes - BODY_ROOM)
        ) {
          requests.push(current)
          current = []
          bytes = 0
        }
        current.push(delivery)
        bytes += size
      }
      requests.push(current)
    }
    return (
      await mapConcurrently(requests, this.config.concurrency, (request) => this.#sendRequest(request))
    ).flat()
  }

  async #sendRequest(deliveries: Delivery[]): Promise<AttemptResult[]> {
    const body = {
      ...(deliveries[0]!.item.request as JsonRecord),
      events: deliveries.map((delivery) => delivery.item.event),
    }
    const started = performance.now()
    try {
      const answer = await postJson(this.#pool, this.#url, JSON.stringify(body), {
        timeoutMs: this.config.timeoutMs,
        headers: { 'user-agent': this.#userAgent },
      })
      const retryAfterMs = parseRetryAfter(answer.headers['retry-after'], this.#now())
      // GA4: retry 429 and 5xx, never another 4xx (§6 "Retry policy").
      return toResults(deliveries, { ...classifyHttpAnswer(answer, retryAfterMs, [429]), traceId: '' })
    } catch (error) {
      return toNetworkFailure(deliveries, error, Math.round(performance.now() - started))
    }
  }

  redact(item: JsonRecord): JsonRecord {
    const request = { ...asRecord(item.request) }
    delete request.ip_override
    delete request.device
    return { ...item, request }
  }

  close(): Promise<void> {
    return this.#pool.close()
  }
}
