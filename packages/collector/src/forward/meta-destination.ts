/**
 * Meta Conversions API (shared/specs/forwarding.md §1): server events posted to
 * `{apiUrl}/{apiVersion}/{pixelId}/events`, up to 1,000 per request, the access token in the body
 * (so it never sits in a URL). `event_id` is Rastro's `messageId` (the order id for `Purchase`),
 * so the browser pixel's copy and every retry deduplicate. Customer information is normalised
 * and hashed per Meta's matrix; IP, user agent, `fbc` and `fbp` go raw. Since one invalid event
 * fails a whole request, events are checked first (required fields, the customer-information
 * baseline, purchase value and currency), and a code-100 answer is bisected to isolate the bad one.
 */
import { isIP } from 'node:net'
import type { MetaDestinationConfig } from '../config/destination-schema.js'
import {
  classifyHttpAnswer,
  toNetworkFailure,
  toResults,
  type AttemptResult,
  type Delivery,
  type Destination,
  type DestinationOptions,
  type ForwardErrorCode,
  type Prepared,
} from './destination.js'
import { asRecord, asText, type ForwardEvent, type JsonRecord } from './forward-event.js'
import { getUserInfo } from './get-user-info.js'
import { normalizeCountry } from '../util/normalize-country.js'
import type { Consent } from './get-consent.js'
import {
  hashWith,
  normalizeMetaCity,
  normalizeMetaCountry,
  normalizeMetaDateOfBirth,
  normalizeMetaEmail,
  normalizeMetaExternalId,
  normalizeMetaGender,
  normalizeMetaName,
  normalizeMetaPhone,
  normalizeMetaState,
  normalizeMetaZip,
} from './hash-pii.js'
import { createEventNamer, getCommerce } from './map-event.js'
import { mapConcurrently } from './map-concurrently.js'
import { createHttpPool, postJson } from './post-json.js'
import { parseRetryAfter } from './get-retry-delay.js'

/** Meta refuses a whole request when any event is older than 7 days (parameters/server-event `event_time`). */
export const META_WINDOW_MS = 7 * 24 * 3600 * 1000
/** Sent a minute inside the window [ours], so an event cannot age out while its request is in flight. */
const WINDOW_MARGIN_MS = 60_000

/** `fbc`/`fbp` cookie values: 4 dot segments, or 5 with the parameter builder's appendix (§1 "fbc / fbp"). */
const FB_COOKIE = /^fb\.[0-2]\.\d{13}\.[^.]+(\.[A-Za-z0-9_-]+)?$/
/** A browser's user agent (server SDKs send their own name, which is not the visitor's). */
const BROWSER_LIKE = /^Mozilla\//
/** Meta error codes that mean "try again later" (graph-api/guides/error-handling; §6 "Retry policy"). */
const RETRYABLE_CODES = new Set([1, 2, 4, 17, 32, 341, 368, 613])

/**
 * Customer-information sets that are too weak on their own: an event whose keys are one of them or
 * a subset fails with code 100, subcode 2804050 (best-practices, "matching baseline").
 */
const INSUFFICIENT_SETS = [
  ['ct', 'country', 'st', 'zp', 'ge', 'client_user_agent'],
  ['db', 'client_user_agent'],
  ['fn', 'ge'],
  ['ln', 'ge'],
].map((keys) => new Set(keys))

interface MetaError {
  message?: string
  code?: number
  error_subcode?: number
  is_transient?: boolean
  error_user_msg?: string
  fbtrace_id?: string
}

function put(target: JsonRecord, key: string, value: unknown): void {
  if (value !== undefined && value !== '' && !(Array.isArray(value) && value.length === 0))
    target[key] = value
}

/** The `fbc` for a landing URL's `fbclid` when the event has no `_fbc` cookie: `fb.1.<ms>.<fbclid>`, fbclid untouched. */
function getFbcFromUrl(url: string, timeMs: number): string | undefined {
  try {
    const fbclid = new URL(url).searchParams.get('fbclid')
    return fbclid ? `fb.1.${timeMs}.${fbclid}` : undefined
  } catch {
    return undefined
  }
}

function isHttpUrl(url: string): boolean {
  return /^https?:\/\//i.test(url)
}

export class MetaDestination implements Destination {
  readonly tenantId: string
  readonly config: MetaDestinationConfig
  readonly windowMs = META_WINDOW_MS - WINDOW_MARGIN_MS
  readonly consent = 'marketing' as const
  readonly nameEvent: (type: string, event: string) => string | undefined
  readonly #now: () => number
  readonly #userAgent: string
  readonly #pool
  readonly #url: string

  constructor(tenantId: string, config: MetaDestinationConfig, options: DestinationOptions = {}) {
    this.tenantId = tenantId
    this.config = config
    this.nameEvent = createEventNamer('meta', config)
    this.#now = options.now ?? Date.now
    this.#userAgent = options.userAgent ?? 'rastro-collector'
    this.#pool = createHttpPool(config.concurrency, config.timeoutMs)
    this.#url = `${config.apiUrl.replace(/\/+$/, '')}/${config.apiVersion}/${config.pixelId}/events`
  }

  /** The `user_data` of an event: hashed customer information, raw IP, user agent and click ids. */
  #getUserData(event: ForwardEvent): JsonRecord {
    const info = getUserInfo(event)
    const context = event.context
    const userData: JsonRecord = {}
    const country = info.country ? normalizeCountry(info.country.normalize('NFC').trim()) : undefined
    put(userData, 'em', hashWith(info.email, normalizeMetaEmail))
    put(
      userData,
      'ph',
      hashWith(info.phone, (text) => normalizeMetaPhone(text, country ?? event.country)),
    )
    put(userData, 'fn', hashWith(info.firstName, normalizeMetaName))
    put(userData, 'ln', hashWith(info.lastName, normalizeMetaName))
    put(
      userData,
      'db',
      hashWith(info.birthday, (text) => normalizeMetaDateOfBirth(text, this.#now())),
    )
    put(userData, 'ge', hashWith(info.gender, normalizeMetaGender))
    put(userData, 'ct', hashWith(info.city, normalizeMetaCity))
    put(userData, 'st', hashWith(info.state, normalizeMetaState))
    put(
      userData,
      'zp',
      hashWith(info.postalCode, (text) => normalizeMetaZip(text, country)),
    )
    put(userData, 'country', hashWith(info.country, normalizeMetaCountry))
    const externalIds = [event.userId, event.anonymousId]
      .map((id) => hashWith(id, normalizeMetaExternalId))
      .filter((id) => id !== undefined)
    put(userData, 'external_id', externalIds.length === 1 ? externalIds[0] : externalIds)
    const ip = asText(context.ip) ?? event.ip
    if (ip && isIP(ip)) userData.client_ip_address = ip
    const userAgent =
      asText(context.userAgent) ?? (BROWSER_LIKE.test(event.userAgent) ? event.userAgent : undefined)
    put(userData, 'client_user_agent', userAgent)
    const fbp = asText(context.fbp)
    if (fbp && FB_COOKIE.test(fbp)) userData.fbp = fbp
    const fbc = asText(context.fbc) ?? getFbcFromUrl(event.url, event.timestampMs)
    if (fbc && FB_COOKIE.test(fbc)) userData.fbc = fbc
    return userData
  }

  /** `custom_data` of an e-commerce event (parameters/custom-data). */
  #getCustomData(event: ForwardEvent, eventName: string): JsonRecord {
    const customData: JsonRecord = {}
    if (event.type !== 'track') return customData
    const commerce = getCommerce(event)
    const { products } = commerce
    put(customData, 'value', commerce.value)
    put(customData, 'currency', commerce.currency)
    const ids = products.map((product) => product.id).filter((id) => id !== undefined)
    if (ids.length > 0) {
      customData.content_ids = ids
      customData.content_type = 'product'
      customData.contents = products
        .filter((product) => product.id !== undefined)
        .map((product) => {
          const content: JsonRecord = { id: product.id, quantity: product.quantity }
          put(content, 'item_price', product.price)
          return content
        })
    }
    if (products.length > 0 && (eventName === 'InitiateCheckout' || eventName === 'Purchase')) {
      customData.num_items = products.reduce((sum, product) => sum + product.quantity, 0)
    }
    if (products.length === 1) {
      put(customData, 'content_name', products[0]!.name)
      put(customData, 'content_category', products[0]!.category)
    }
    put(customData, 'order_id', commerce.orderId)
    put(customData, 'search_string', commerce.query)
    return customData
  }

  prepare(event: ForwardEvent, eventName: string, _consent: Consent): Prepared {
    const orderId = eventName === 'Purchase' ? asText(event.properties.order_id) : undefined
    const eventId = orderId ?? event.messageId
    const website = isHttpUrl(event.url)
    const serverEvent: JsonRecord = {
      event_name: eventName,
      // Unix seconds; a clock ahead of ours must not produce a future time [ours].
      event_time: Math.floor(Math.min(event.timestampMs, this.#now()) / 1000),
      event_id: eventId,
      action_source: website ? 'website' : 'system_generated',
      user_data: this.#getUserData(event),
    }
    if (website) serverEvent.event_source_url = event.url
    if (isHttpUrl(event.referrer)) serverEvent.referrer_url = event.referrer
    const customData = this.#getCustomData(event, eventName)
    if (Object.keys(customData).length > 0) serverEvent.custom_data = customData
    if (this.config.limitedDataUse) {
      serverEvent.data_processing_options = ['LDU']
      serverEvent.data_processing_options_country = 0
      serverEvent.data_processing_options_state = 0
    }
    const invalid = validateServerEvent(serverEvent)
    return invalid ? { invalid } : { item: serverEvent }
  }

  async send(deliveries: Delivery[]): Promise<AttemptResult[]> {
    const chunks: Delivery[][] = []
    for (let i = 0; i < deliveries.length; i += this.config.maxBatchEvents) {
      chunks.push(deliveries.slice(i, i + this.config.maxBatchEvents))
    }
    return (await mapConcurrently(chunks, this.config.concurrency, (chunk) => this.#sendChunk(chunk))).flat()
  }

  /** Sends one request; a code-100 answer splits it in halves until the bad events stand alone. */
  async #sendChunk(chunk: Delivery[]): Promise<AttemptResult[]> {
    const body: JsonRecord = {
      data: chunk.map((delivery) => delivery.item),
      access_token: this.config.accessToken,
    }
    if (this.config.testEventCode) body.test_event_code = this.config.testEventCode
    const started = performance.now()
    let answer
    try {
      answer = await postJson(this.#pool, this.#url, JSON.stringify(body), {
        timeoutMs: this.config.timeoutMs,
        headers: { 'user-agent': this.#userAgent },
      })
    } catch (error) {
      return toNetworkFailure(chunk, error, Math.round(performance.now() - started))
    }
    let parsed: { fbtrace_id?: string; error?: MetaError } = {}
    try {
      parsed = JSON.parse(answer.body)
    } catch {
      // A proxy's HTML error page: judged by its status below.
    }
    const error = asRecord(parsed.error) as MetaError
    const traceId = asText(parsed.fbtrace_id) ?? asText(error.fbtrace_id) ?? ''
    const retryAfterMs = parseRetryAfter(answer.headers['retry-after'], this.#now())
    // No Meta error body (a proxy's answer): 5xx and 429 are worth another try.
    if (typeof error.code !== 'number') {
      return toResults(chunk, { ...classifyHttpAnswer(answer, retryAfterMs, [429]), traceId })
    }
    const message = `Meta error ${error.code}${error.error_subcode ? `/${error.error_subcode}` : ''}: ${
      error.error_user_msg ?? error.message ?? ''
    }`
    const common = { error: message, httpStatus: answer.status, traceId, latencyMs: answer.latencyMs }
    if (answer.status >= 500 || error.is_transient === true || RETRYABLE_CODES.has(error.code)) {
      return toResults(chunk, {
        ...common,
        outcome: 'retry',
        errorCode: 'RASTRO_ERR_FORWARD_UNAVAILABLE',
        retryAfterMs,
      })
    }
    if (error.code === 100 && chunk.length > 1) {
      const half = chunk.length >> 1
      const [left, right] = await Promise.all([
        this.#sendChunk(chunk.slice(0, half)),
        this.#sendChunk(chunk.slice(half)),
      ])
      return [...left, ...right]
    }
    let errorCode: ForwardErrorCode = 'RASTRO_ERR_FORWARD_REJECTED'
    if (error.code === 190 || error.code === 102) errorCode = 'RASTRO_ERR_FORWARD_AUTH'
    else if (error.code === 10 || (error.code >= 200 && error.code <= 299))
      errorCode = 'RASTRO_ERR_FORWARD_PERMISSION'
    return toResults(chunk, { ...common, outcome: 'dead', errorCode })
  }

  redact(item: JsonRecord): JsonRecord {
    const userData = { ...asRecord(item.user_data) }
    for (const key of ['client_ip_address', 'client_user_agent', 'fbc', 'fbp']) delete userData[key]
    return { ...item, user_data: userData }
  }

  close(): Promise<void> {
    return this.#pool.close()
  }
}

/**
 * Checks a server event against the rules Meta enforces per event, so it is never sent to fail
 * its batch (parameters/server-event; best-practices "matching baseline"; custom-data).
 *
 * @returns what is wrong, or undefined when the event is valid.
 */
export function validateServerEvent(serverEvent: JsonRecord): string | undefined {
  const userData = asRecord(serverEvent.user_data)
  if (serverEvent.action_source === 'website') {
    if (!userData.client_user_agent) {
      return 'a website event needs client_user_agent: send context.userAgent (server SDKs) or send from the browser'
    }
  }
  const keys = Object.keys(userData)
  if (INSUFFICIENT_SETS.some((set) => keys.every((key) => set.has(key)))) {
    return `insufficient customer information (${keys.join(', ') || 'none'}): add an email, phone, external id, IP or fbp`
  }
  if (serverEvent.event_name === 'Purchase') {
    const customData = asRecord(serverEvent.custom_data)
    if (typeof customData.value !== 'number')
      return 'Purchase needs a value (properties.value, revenue or products with prices)'
    if (typeof customData.currency !== 'string')
      return 'Purchase needs a currency (properties.currency, ISO 4217)'
  }
  return undefined
}
