/**
 * Public types of `@rastro/browser`: the options of `init()`, the client's methods, and the
 * dependencies tests inject. The event envelope itself comes from `@rastro/schema/types`.
 */
import type { JsonObject } from '@rastro/schema/types'
import type { ConsentPreferences } from './consent/create-consent.js'
import type { EcommerceEvents } from './ecommerce/ecommerce-events.js'
import type { Plugin } from './plugin.js'

export type { ConsentPreferences, JsonObject }

/** {@link Rastro.consent}: a function, also reachable as `consent.set`. */
export interface ConsentCall {
  (choice: Partial<ConsentPreferences>): ConsentPreferences | undefined
  /** The same as calling `consent(choice)`. */
  set(choice: Partial<ConsentPreferences>): ConsentPreferences | undefined
}

/** Properties of a track call: typed for the E-commerce Spec events, any JSON object otherwise. */
export type TrackProperties<E extends string> = E extends keyof EcommerceEvents
  ? EcommerceEvents[E]
  : JsonObject

/** Options of {@link Rastro.init}. Only `writeKey` is required. */
export interface RastroOptions {
  /** The site's public write key (`wk_…`), from the collector's config. */
  writeKey: string
  /**
   * Origin of the collector, e.g. `https://t.example.com`; events go to `${host}${path}`.
   * Default: `''`, the page's own origin (for a collector behind the same domain).
   */
  host?: string
  /**
   * Path of the events endpoint on `host`. Set it to a neutral alias the collector's site config
   * declares (e.g. `/k/e`) when you proxy the collector under your own domain, so blockers that
   * match `/v1/batch` or `collect` do not see it. Default: `'/v1/batch'`.
   */
  path?: string
  /** Send as soon as this many events are queued. Default: 20 (events). */
  flushAt?: number
  /** Send queued events at most this long after the first one was queued. Default: 5000 (ms). */
  flushIntervalMs?: number
  /** A session ends after this much inactivity, shared across tabs. Default: 1800000 (ms, 30 min). */
  sessionTimeoutMs?: number
  /** Events kept in memory while the collector is unreachable; the oldest are dropped past it or past ~1 MB (IndexedDB keeps at most 1000 and ~1 MB). Default: 1000 (events). */
  maxQueueSize?: number
  /**
   * Opt-in mode: record nothing to storage and send nothing until `consent({ analytics: true })`.
   * Events recorded before the choice wait in memory (at most 1000) and are sent on opt-in, or
   * dropped on refusal and when the page is left. Default: `false` (opt-out mode: analytics is
   * allowed until the visitor refuses).
   */
  requireConsent?: boolean
  /**
   * Cookieless mode: store nothing (no cookie, localStorage or IndexedDB), send no anonymous id,
   * user id or session id, and mark events `context.cookieless = true`; the collector derives a
   * daily-rotating visitor id from salt + site + IP + user agent. Default: `false`.
   */
  cookieless?: boolean
  /**
   * Read Global Privacy Control and Do Not Track as "no marketing" until the visitor chooses
   * otherwise (https://privacycg.github.io/gpc-spec/). Default: `true`.
   */
  privacySignals?: boolean
  /** Start a new session when the page's UTM parameters or click id differ from the last touch's. Default: `false`. */
  newSessionOnCampaign?: boolean
  /** Send a page view on `init()` and on every SPA URL change (path or query). Default: `true`. */
  pageViews?: boolean
  /** Log every call, request and rejection to the console. Default: `false`. */
  debug?: boolean
  /** Feature modules to run (see `plugin.ts`). Default: none in the npm build; the script-tag build adds its default set. */
  plugins?: Plugin[]
}

/** The Rastro client. Every method is safe to call before `init()` (calls are replayed) and never throws. */
export interface Rastro {
  /** Starts the client: loads or creates the ids, sends the first page view, starts listening. Only the first call counts. */
  init(options: RastroOptions): void
  /**
   * Records a user action, e.g. `track('Lead Created', { form: 'hero' })`.
   * @returns the event's `messageId`, or `undefined` when the event was dropped (or before `init()`).
   */
  track<E extends string>(event: E, properties?: TrackProperties<E>): string | undefined
  /**
   * Records a page view of the current URL; `properties` gets `url, path, referrer, title, search`.
   * Called automatically unless `pageViews: false`.
   */
  page(name?: string | JsonObject, properties?: JsonObject): string | undefined
  /**
   * Ties the visitor to your user id (kept in localStorage) and merges `traits` into the stored ones.
   * `identify(traits)` and `identify(null, traits)` keep the current user id.
   */
  identify(userId?: string | null | JsonObject, traits?: JsonObject): string | undefined
  /**
   * Tells the collector that `userId` is the same person as `previousId` (default: the current user
   * id, else the anonymous id), e.g. `alias('user_42')` at sign-up. Not available in cookieless mode.
   * https://segment.com/docs/connections/spec/alias/
   */
  alias(userId: string, previousId?: string): string | undefined
  /** Ties the user to a company or account with its traits. https://segment.com/docs/connections/spec/group/ */
  group(groupId: string, traits?: JsonObject): string | undefined
  /** Forgets the user id and traits and starts a new anonymous id and session (call it on logout). */
  reset(): void
  /**
   * Records the visitor's choice, e.g. from a cookie banner: merges it into the current
   * preferences, keeps it in the `rastro_consent` cookie (1 year) and sends it on every later event
   * as `context.consent.categoryPreferences`. Allowing analytics sends the events waiting for
   * consent and starts storing ids; refusing it drops them and deletes the stored ids and queue.
   * Marketing allows Meta's `_fbc`/`_fbp` cookies and forwarding to ad platforms.
   * `consent.set(choice)` is the same call, for code written against that name.
   * @returns the preferences now in force.
   */
  consent: ConsentCall
  /** Same as `consent({ analytics: false, marketing: false })`: stops recording, remembered in the cookie. */
  optOut(): void
  /**
   * Sends every queued event now, even while backing off.
   * @returns a promise of `true` when every event queued at the call was answered 2xx, `false`
   * when some are waiting for a retry or were refused (or before `init()`).
   */
  flush(): Promise<boolean>
  /** Turns console logging on or off. */
  debug(enabled?: boolean): void
  /** The SDK version. */
  readonly version: string
}

/** Things the client reads from its surroundings, injectable so tests run in Node without a DOM. */
export interface RastroDeps {
  /** The browser window (location, document, navigator, history, screen, storage, events). Default: `window`. */
  win: Window
  /** Default: the window's `fetch`. */
  fetch: (url: string, init: RequestInit) => Promise<Response>
  /** Queues a `text/plain` body for delivery after the page is gone. Default: `navigator.sendBeacon`. */
  beacon: (url: string, body: string) => boolean
  /** Current time (ms since the epoch). Default: `Date.now`. */
  now: () => number
  /** A number in [0, 1) for retry jitter. Default: `Math.random`. */
  random: () => number
}
