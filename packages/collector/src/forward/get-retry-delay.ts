/**
 * When to try a destination again: exponential backoff with full jitter,
 * `random(0, min(cap, base · 2^failures))` (AWS Architecture Blog, "Exponential Backoff And
 * Jitter"; shared/specs/forwarding.md §6 "Retry policy": base 1 s, cap 5 min), never sooner than
 * the destination's `Retry-After` (RFC 9110 §10.2.3: seconds or an HTTP date).
 */

/**
 * Milliseconds to wait after the `failures`-th consecutive failure (from 1).
 *
 * @param random a number in [0, 1); `Math.random` in production.
 */
export function getRetryDelayMs(
  failures: number,
  options: { baseMs: number; maxMs: number; retryAfterMs?: number | undefined; random?: () => number },
): number {
  const ceiling = Math.min(options.maxMs, options.baseMs * 2 ** Math.min(failures, 30))
  const jittered = Math.floor((options.random ?? Math.random)() * ceiling)
  return Math.max(jittered, options.retryAfterMs ?? 0)
}

/**
 * A `Retry-After` header as milliseconds from `nowMs`; undefined when absent or not valid.
 * Capped at one hour [ours], so a broken header cannot park a destination for days.
 */
export function parseRetryAfter(header: string | string[] | undefined, nowMs: number): number | undefined {
  const value = Array.isArray(header) ? header[0] : header
  if (!value) return undefined
  const trimmed = value.trim()
  const ms = /^\d+$/.test(trimmed) ? Number(trimmed) * 1000 : Date.parse(trimmed) - nowMs
  if (!Number.isFinite(ms) || ms < 0) return undefined
  return Math.min(ms, 3_600_000)
}
