/**
 * Composition only: `createRastro()` wires consent, identity, session, attribution, context, the
 * queue (IndexedDB-backed when allowed) and the sender, the page-view and page-hide listeners and
 * the plugins into the public client.
 */
import { MAX_EVENT_BYTES, type JsonObject } from '@rastro/schema/types'
import { getGa4Ids } from './attribution/get-ga4-ids.js'
import { getMetaCookies, type MetaIds } from './attribution/get-meta-cookies.js'
import { getTouch, isCampaign, type Touch } from './attribution/get-touch.js'
import { onNavigation } from './capture/on-navigation.js'
import { onPageHide } from './capture/on-page-hide.js'
import { createConsent, type Consent, type ConsentPreferences } from './consent/create-consent.js'
import { getPrivacySignal } from './consent/get-privacy-signal.js'
import { getContext } from './context/get-context.js'
import { getPage } from './context/get-page.js'
import { isBot } from './context/is-bot.js'
import { createIdentity } from './identity/create-identity.js'
import { ANONYMOUS_ID_KEY } from './identity/get-anonymous-id.js'
import { createIdbEventStore } from './queue/create-idb-event-store.js'
import { createQueue, type Queue } from './queue/create-queue.js'
import { memoryEventStore } from './queue/event-store.js'
import { getSession, SESSION_KEY, SESSION_TIMEOUT_MS } from './session/get-session.js'
import { createCookieStore } from './storage/create-cookie-store.js'
import { createGatedStore, type GatedStore } from './storage/create-gated-store.js'
import { createLocalStore } from './storage/create-local-store.js'
import { createSender } from './transport/create-sender.js'
import type { EventStep, OutgoingEvent, PluginApi } from './plugin.js'
import type { Rastro, RastroDeps, RastroOptions } from './types.js'
import { createLogger } from './util/create-logger.js'
import { createUuid, createUuidV7 } from './util/create-uuid.js'
import { getByteLength } from './util/get-byte-length.js'
import { version } from './version.js'

/** localStorage keys of the first and the last marketing touch (JSON). */
const FIRST_TOUCH_KEY = 'rastro_ft'
const LAST_TOUCH_KEY = 'rastro_lt'
const USER_KEYS = ['rastro_uid', 'rastro_traits', FIRST_TOUCH_KEY, LAST_TOUCH_KEY]

/** Fields of an event before the envelope (ids, time, context) is added. */
type EventFields = Pick<OutgoingEvent, 'type'> & JsonObject

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
  let cookieless: boolean | undefined
  let identity: ReturnType<typeof createIdentity>
  let idStore: GatedStore
  let userStore: GatedStore
  let consent: Consent
  /** Applies the current consent to storage, the queue and Meta's cookies. */
  let applyConsent: () => void

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

  const setConsent = guard((choice: Partial<ConsentPreferences>) => {
    consent._set(choice)
    applyConsent()
    return { ...consent._prefs }
  })

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
      if (typeof event != 'string' || !event) return log('track: no event name')
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
    alias: guard((userId: string, previousId?: string) => {
      if (cookieless || !userId) return log('alias: no user id, or cookieless')
      return send!({
        type: 'alias',
        userId: String(userId),
        previousId: previousId || identity._userId() || identity._anonymousId(),
      })
    }),
    group: guard((groupId: string, traits?: JsonObject) => {
      if (!groupId) return log('group: no group id')
      return send!({ type: 'group', groupId: String(groupId), traits: { ...traits } })
    }),
    reset: guard(() => {
      identity._reset()
      idStore.remove(SESSION_KEY)
    }),
    consent: Object.assign(setConsent, { set: setConsent }),
    optOut: () => void rastro.consent({ analytics: false, marketing: false }),
    flush: () => (queue ? queue._flush() : Promise.resolve(false)),
    debug(enabled) {
      log._on = enabled !== false
    },
  }

  function start(options: RastroOptions): void {
    const now = deps.now || Date.now
    const random = deps.random || Math.random
    const doc = win.document
    if (options.debug) log._on = true
    cookieless = options.cookieless
    const cookies = createCookieStore(doc, win.location.protocol == 'https:')
    const local = createLocalStore(win)
    consent = createConsent(
      cookies,
      !!options.requireConsent,
      options.privacySignals !== false && getPrivacySignal(win),
    )
    // Nothing is written before analytics consent, and nothing at all in cookieless mode.
    const canStore = () => consent._prefs.analytics && !cookieless
    idStore = createGatedStore([cookies, local], canStore)
    userStore = createGatedStore([local], canStore)
    identity = createIdentity(idStore, userStore)
    referrer = doc.referrer
    const bot = isBot(win)

    // Attribution: this page's touch becomes the last one, and the first one if none is stored.
    const readTouch = (key: string): Touch | undefined => {
      try {
        return JSON.parse(userStore.get(key)!) || undefined
      } catch {
        return undefined
      }
    }
    const touch = getTouch(win.location.href, referrer)
    const previousTouch = readTouch(LAST_TOUCH_KEY)
    const lastTouch = touch || previousTouch
    const firstTouch = readTouch(FIRST_TOUCH_KEY) || touch
    let renewSession =
      options.newSessionOnCampaign &&
      isCampaign(touch) &&
      JSON.stringify(touch) != JSON.stringify(previousTouch)
    if (touch) {
      userStore.set(LAST_TOUCH_KEY, JSON.stringify(touch))
      userStore.set(FIRST_TOUCH_KEY, JSON.stringify(firstTouch))
    }
    let metaIds: MetaIds | undefined

    const sessionTimeoutMs = options.sessionTimeoutMs || SESSION_TIMEOUT_MS
    const q = (queue = createQueue({
      flushAt: options.flushAt || 20,
      flushIntervalMs: options.flushIntervalMs || 5000,
      maxQueueSize: options.maxQueueSize || 1000,
      random,
      log,
      send: createSender({
        url: (options.host || '').replace(/\/+$/, '') + (options.path || '/v1/batch'),
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
    let eventStore = memoryEventStore
    let synced = false
    /** Events recorded in opt-in mode before the visitor chose, sent if analytics is allowed. */
    let pending: OutgoingEvent[] = []

    /** Serializes an event, with the consent of now, into the queue. */
    const enqueue = (event: OutgoingEvent): string | undefined => {
      event.context.consent = { categoryPreferences: { ...consent._prefs } }
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

    applyConsent = () => {
      const prefs = consent._prefs
      if (prefs.analytics) {
        if (canStore()) {
          // Once, when storage becomes allowed: later, memory may be older than another tab's writes.
          if (!synced) {
            synced = true
            idStore._sync()
            userStore._sync()
          }
          if (prefs.marketing) metaIds = getMetaCookies(cookies, touch && touch.fbclid, now(), random)
          try {
            if (!eventStore._durable && win.indexedDB)
              q._persist((eventStore = createIdbEventStore(createUuid(), now, log, local)))
          } catch (error) {
            log('storage', error)
          }
        }
        pending.splice(0).forEach(enqueue)
      } else {
        synced = false
        pending = []
        q._clear()
        for (const key of [ANONYMOUS_ID_KEY, SESSION_KEY]) idStore.remove(key)
        for (const key of USER_KEYS) userStore.remove(key)
      }
    }

    const steps: EventStep[] = []
    send = (fields) => {
      const prefs = consent._prefs
      if (!prefs.analytics && consent._chosen) return log('dropped: no analytics consent')
      const t = now()
      const context = getContext(win, referrer)
      const event = {
        messageId: createUuidV7(t),
        ...fields,
        timestamp: new Date(t).toISOString(),
        context,
      } as OutgoingEvent
      if (cookieless) {
        context.cookieless = true
        delete event.userId
      } else {
        event.anonymousId = identity._anonymousId()
        event.userId = event.userId || identity._userId() || undefined
        context.sessionId = getSession(idStore, t, sessionTimeoutMs, renewSession)
        renewSession = false
      }
      context.campaign = lastTouch
      context.firstTouch = firstTouch
      if (bot) context.bot = true
      if (prefs.marketing && metaIds) Object.assign(context, metaIds)
      // gtag's ids, so the collector's GA4 events join the browser's (never for a cookieless site).
      if (prefs.analytics && !cookieless) {
        try {
          const ga4 = getGa4Ids(win.document.cookie)
          if (ga4) context.ga4 = ga4
        } catch {
          // cookies unreadable (a sandboxed frame)
        }
      }
      for (const step of steps) if (step(event) === false) return log('dropped by a plugin', event)
      if (prefs.analytics) return enqueue(event)
      if (pending.length < 1000) pending.push(event)
      log('waiting for consent', event)
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
      _allowed: () => consent._prefs.analytics,
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
    // The page is being left: its unanswered events become the next page's to resend.
    win.addEventListener('pagehide', () => eventStore._release())
    win.addEventListener('pageshow', (event) => {
      if (event.persisted) q._resume()
    })
    // Back online: retry now instead of waiting out the backoff.
    win.addEventListener('online', () => void q._flush())
    if (consent._prefs.analytics) applyConsent()
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
