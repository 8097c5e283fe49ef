/**
 * How long to wait before retrying a delivery: exponential backoff with full jitter
 * (`random(0, min(cap, base · 2^attempt))`, AWS Architecture Blog "Exponential Backoff And
 * Jitter"), never less than what the collector asked for in `Retry-After`.
 */

/** First backoff ceiling (ms); doubles with each retry. */
export const RETRY_BASE_MS = 250
/** Largest backoff ceiling (ms). */
export const RETRY_CAP_MS = 30_000
/** Longest `Retry-After` we obey (ms); a longer one is cut to this, as analytics-node does (300 s). */
export const MAX_RETRY_AFTER_MS = 300_000

/**
 * Reads a `Retry-After` header: delay-seconds or an HTTP-date (RFC 9110 §10.2.3).
 *
 * @returns the wait in ms (0 to {@link MAX_RETRY_AFTER_MS}), or `undefined` when absent or unreadable.
 */
export function parseRetryAfter(value: string | undefined, nowMs: number = Date.now()): number | undefined {
  if (value === undefined) return undefined
  const text = value.trim()
  let ms: number
  if (/^\d+$/.test(text)) ms = Number(text) * 1000
  else {
    // An HTTP-date names its day and month (`Sun, 06 Nov 1994 08:49:37 GMT`); `-3` is no date.
    const date = /[A-Za-z]/.test(text) ? Date.parse(text) : NaN
    if (Number.isNaN(date)) return undefined
    ms = date - nowMs
  }
  return Math.min(Math.max(ms, 0), MAX_RETRY_AFTER_MS)
}

/**
 * The wait (ms) before retry number `attempt` (1 for the first retry).
 *
 * @param retryAfterMs - the collector's `Retry-After`, in ms, if it sent one.
 * @param random - a number in [0, 1); `Math.random` unless a test fixes it.
 */
export function getRetryDelay(
  attempt: number,
  retryAfterMs: number | undefined,
  random: () => number = Math.random,
): number {
  const ceiling = Math.min(RETRY_CAP_MS, RETRY_BASE_MS * 2 ** (attempt - 1))
  return Math.max(Math.floor(random() * ceiling), retryAfterMs ?? 0)
}
