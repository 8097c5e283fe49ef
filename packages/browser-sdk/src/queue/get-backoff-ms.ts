/**
 * Retry delay: exponential backoff with "full jitter", a random delay between 0 and
 * min(cap, base · 2^attempt), which spreads retries of many clients best
 * (https://aws.amazon.com/blogs/architecture/exponential-backoff-and-jitter/).
 */

/** First backoff ceiling: 1 s (ms). */
export const RETRY_BASE_MS = 1000

/** Largest backoff: 5 min (ms). */
export const RETRY_MAX_MS = 5 * 60 * 1000

/** Delay before retry number `attempt` (0 for the first retry), in ms. */
export function getBackoffMs(attempt: number, random: () => number): number {
  return random() * Math.min(RETRY_MAX_MS, RETRY_BASE_MS * 2 ** attempt)
}
