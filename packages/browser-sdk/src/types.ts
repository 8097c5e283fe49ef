/**
 * Public types of `@rastro/browser`: the options of `init()`, the client's methods, and the
 * dependencies tests inject. The event envelope itself comes from `@rastro/schema/types`.
 */
import type { JsonObject } from '@rastro/schema/types'
import type { Plugin } from './plugin.js'

export type { JsonObject }

/** Options of {@link Rastro.init}. Only `writeKey` is required. */
export interface RastroOptions {
  /** The site's public write key (`wk_…`), from the collector's config. */
  writeKey: string
  /**
   * Origin of the collector, e.g. `https://t.example.com`; events go to `${host}/v1/batch`.
   * Default: `''`, the page's own origin (for a collector behind the same domain).
   */
  host?: string
  /** Send as soon as this many events are queued. Default: 20 (events). */
  flushAt?: number
  /** Send queued events at most this long after the first one was queued. Default: 5000 (ms). */
  flushIntervalMs?: number
  /** A session ends after this much inactivity, shared across tabs. Default: 1800000 (ms, 30 min). */
  sessionTimeoutMs?: number
  /** Events kept in memory while the collector is unreachable; the oldest are dropped past it. Default: 1000 (events). */
  maxQueueSize?: number
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
  track(event: string, properties?: JsonObject): string | undefined
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
  /** Forgets the user id and traits and starts a new anonymous id and session (call it on logout). */
  reset(): void
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
