/**
 * Composition only: `createRastro()` wires identity, session, context, queue, sender and the
 * page-view and page-hide listeners into the public client. Later features (consent, autocapture,
 * engagement, vitals, the IndexedDB queue) plug in here as modules of their own.
 */
import { MAX_EVENT_BYTES, type JsonObject, type RastroEvent } from '@rastro/schema/types'
import { onNavigation } from './capture/on-navigation.js'
import { onPageHide } from './capture/on-page-hide.js'
import { getContext } from './context/get-context.js'
import { getPage } from './context/get-page.js'
import { createIdentity } from './identity/create-identity.js'
import { createQueue, type Queue } from './queue/create-queue.js'
import { getSession, SESSION_KEY, SESSION_TIMEOUT_MS } from './session/get-session.js'
import { createCookieStore } from './storage/create-cookie-store.js'
import { createLocalStore } from './storage/create-local-store.js'
import { createMemoryStore } from './storage/create-memory-store.js'
import { createUniversalStore } from './storage/create-universal-store.js'
import { createSender } from './transport/create-sender.js'
import type { EventStep, OutgoingEvent, PluginApi } from './plugin.js'
import type { Rastro, RastroDeps, RastroOptions } from './types.js'
import { createLogger } from './util/create-logger.js'
import { createUuidV7 } from './util/create-uuid.js'
import { getByteLength } from './util/get-byte-length.js'
import { version } from './version.js'

/** Fields of an event before the envelope (ids, time, context) is added. */
type EventFields = Pick<RastroEvent, 'type'> & JsonObject

/**
 * Creates a Rastro client. Most pages use the default one (`init`, `track`… exported by the
 * package, or `window.rastro`); create more to send to several collectors, or to pass `deps`
 * in tests.
 */
export function createRastro(deps: Partial<RastroDeps> = {}): Rastro {
  const log = createLogger()
  /** Calls made before `init()` (at most 1000), replayed by it. */
  const early: (() => void)[] = []
  let send: ((fields: EventFields) => string | undefined) | undefined
  let queue: Queue | undefined
  let win: Window
  let referrer = ''
  let identity: ReturnType<typeof createIdentity>
  let idStore: ReturnType<typeof createUniversalStore>

  /** Runs `fn` once initialised (else stashes the call), never letting an error reach the page. */
  const guard =
    <A extends unknown[], R>(fn: (...args: A) => R) =>
    (...args: A): R | undefined => {
      if (!send) {
        if (early.length < 1000) early.push(() => fn(...args))
        return
      }
      try {
        return fn(...args)
      } catch (error) {
        log('error', error)
      }
    }

  const rastro: Rastro = {
    version,
    init(options) {
      try {
        if (send) return log('init: already initialised')
        const w = deps.win || (typeof window != 'undefined' ? window : undefined)
        if (!w || !options || !options.writeKey) return log('init: needs a window and a writeKey')
        win = w
        start(options)
        early.splice(0).forEach((call) => call())
      } catch (error) {
        log('error', error)
      }
    },
    track: guard((event: string, properties?: JsonObject) => {
      if (typeof event != 'string' || !event) return log('track: the event name must be a non-empty string')
      return send!({ type: 'track', event, properties: { ...properties } })
    }),
    page: guard((name?: string | JsonObject, properties?: JsonObject) => {
      if (name && typeof name == 'object') {
        properties = name
        name = undefined
      }
      return send!({
        type: 'page',
        name: name || undefined,
        properties: { ...getPage(win, referrer), ...properties },
      })
    }),
    identify: guard((userId?: string | null | JsonObject, traits?: JsonObject) => {
      if (userId && typeof userId == 'object') {
        traits = userId
        userId = undefined
      }
      return send!({ type: 'identify', traits: identity._identify(userId, traits) })
    }),
    reset: guard(() => {
      identity._reset()
      idStore.remove(SESSION_KEY)
    }),
    flush: () => (queue ? queue._flush() : Promise.resolve(false)),
    debug(enabled) {
      log._on = enabled !== false
    },
  }

  function start(options: RastroOptions): void {
    const now = deps.now || Date.now
    const doc = win.document
    if (options.debug) log._on = true
    const localStore = createLocalStore(win)
    const memoryStore = createMemoryStore()
    idStore = createUniversalStore([
      createCookieStore(doc, win.location.protocol == 'https:'),
      localStore,
      memoryStore,
    ])
    identity = createIdentity(idStore, createUniversalStore([localStore, memoryStore]))
    referrer = doc.referrer
    const sessionTimeoutMs = options.sessionTimeoutMs || SESSION_TIMEOUT_MS
    const url = (options.host || '').replace(/\/+$/, '') + '/v1/batch'
    const q = (queue = createQueue({
      flushAt: options.flushAt || 20,
      flushIntervalMs: options.flushIntervalMs || 5000,
      maxQueueSize: options.maxQueueSize || 1000,
      random: deps.random || Math.random,
      log,
      send: createSender({
        url,
        writeKey: options.writeKey,
        fetch: deps.fetch || ((input, init) => win.fetch(input, init)),
        beacon:
          deps.beacon ||
          ((input, body) => {
            try {
              return win.navigator.sendBeacon(input, new Blob([body], { type: 'text/plain' }))
            } catch {
              return false
            }
          }),
        now,
        log,
      }),
    }))

    const steps: EventStep[] = []
    send = (fields) => {
      const t = now()
      const event: OutgoingEvent = {
        ...fields,
        messageId: createUuidV7(t),
        anonymousId: identity._anonymousId(),
        userId: identity._userId() || undefined,
        timestamp: new Date(t).toISOString(),
        context: getContext(win, referrer, getSession(idStore, t, sessionTimeoutMs)),
      } as OutgoingEvent
      for (const step of steps) if (step(event) === false) return log('dropped by a plugin', event)
      let json: string
      try {
        json = JSON.stringify(event)
      } catch (error) {
        return log('dropped: not serialisable', error)
      }
      if (getByteLength(json) > MAX_EVENT_BYTES) return log('dropped: larger than 32 KiB', event)
      log(event.type, event)
      q._push(json)
      return event.messageId
    }

    const hideCallbacks: (() => void)[] = []
    const api: PluginApi = {
      _win: win,
      _options: options,
      _now: now,
      _track: rastro.track,
      _use: (step) => void steps.push(step),
      _onHide: (callback) => void hideCallbacks.push(callback),
      _log: log,
    }
    for (const plugin of options.plugins || []) {
      try {
        plugin(api)
      } catch (error) {
        log('plugin failed', error)
      }
    }
    onPageHide(win, () => {
      for (const callback of hideCallbacks) {
        try {
          callback()
        } catch (error) {
          log('error', error)
        }
      }
      void q._flush(true)
    })
    // Back online: retry now instead of waiting out the backoff.
    win.addEventListener('online', () => void q._flush())
    if (options.pageViews !== false) {
      rastro.page()
      onNavigation(win, (previousUrl) => {
        referrer = previousUrl
        rastro.page()
      })
    }
  }

  return rastro
}
