/**
 * The session id: a UUID v7 that lives until 30 min pass without an event (the default of
 * PostHog, RudderStack, Amplitude and Snowplow). Stored with its last-activity time as
 * `<id>.<ms>` in the `rastro_sid` cookie and localStorage, so all tabs of a site share it.
 */
import type { Store } from '../storage/store.js'
import { createUuidV7 } from '../util/create-uuid.js'

/** Storage key (cookie name and localStorage key) of the session. */
export const SESSION_KEY = 'rastro_sid'

/** Default inactivity timeout: 30 min (ms). */
export const SESSION_TIMEOUT_MS = 30 * 60 * 1000

/**
 * Returns the current session id and records activity at `nowMs`; starts a new session when the
 * last activity is `timeoutMs` or more ago (or none is stored).
 */
export function getSession(store: Store, nowMs: number, timeoutMs = SESSION_TIMEOUT_MS): string {
  const [storedId, last] = (store.get(SESSION_KEY) || '').split('.')
  const id = storedId && nowMs - Number(last) < timeoutMs ? storedId : createUuidV7(nowMs)
  store.set(SESSION_KEY, id + '.' + nowMs, timeoutMs)
  return id
}
