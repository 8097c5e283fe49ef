/**
 * The session id: a UUID v7 that lives until 30 min pass without an event (the default of
 * PostHog, RudderStack, Amplitude and Snowplow), and at most 24 h (PostHog's cap), whatever the
 * activity. Stored with its last-activity time as `<id>.<ms>` in the `rastro_sid` cookie and
 * localStorage, so all tabs of a site share it; the start time is the id's own UUID v7 timestamp.
 */
import type { Store } from '../storage/store.js'
import { createUuidV7, getUuidV7Time } from '../util/create-uuid.js'

/** Storage key (cookie name and localStorage key) of the session. */
export const SESSION_KEY = 'rastro_sid'

/** Default inactivity timeout: 30 min (ms). */
export const SESSION_TIMEOUT_MS = 30 * 60 * 1000

/** Longest session: 24 h (ms), then a new one starts even if the visitor stayed active. */
export const SESSION_MAX_MS = 24 * 3600 * 1000

/**
 * Activity is recorded at most this often (ms), and at most every 1% of the timeout: each record
 * is a cookie write, its read-back and a localStorage write, which took 45% of a `track()` call in
 * Chromium (measured), and a 30 min timeout needs no finer clock than a second.
 */
const ACTIVITY_WRITE_MS = 1000

/**
 * Returns the current session id and records activity at `nowMs` (see {@link ACTIVITY_WRITE_MS});
 * starts a new session when the last activity is `timeoutMs` or more ago, the session is 24 h old,
 * none is stored, or `renew` (a new campaign) asks for it.
 */
export function getSession(
  store: Store,
  nowMs: number,
  timeoutMs = SESSION_TIMEOUT_MS,
  renew?: boolean,
): string {
  const [storedId, last] = (store.get(SESSION_KEY) || '').split('.')
  const id =
    !renew && storedId && nowMs - Number(last) < timeoutMs && nowMs - getUuidV7Time(storedId) < SESSION_MAX_MS
      ? storedId
      : createUuidV7(nowMs)
  if (id !== storedId || nowMs - Number(last) >= Math.min(ACTIVITY_WRITE_MS, timeoutMs / 100))
    store.set(SESSION_KEY, id + '.' + nowMs, timeoutMs)
  return id
}
