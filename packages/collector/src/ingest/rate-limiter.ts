/**
 * Per-write-key token buckets: a key may send `requestsPerSecond` on average and
 * `burstRequests` at once. Segment answers 429 with `Retry-After` above its ~1,000 req/s per
 * workspace (shared/specs/collector-anchors.md §3); the SDKs back off on it.
 */
export interface RateLimit {
  /** Sustained rate (requests per second). */
  requestsPerSecond: number
  /** Bucket size (requests); default: one second's worth. */
  burstRequests?: number | undefined
}

interface Bucket {
  tokens: number
  /** When `tokens` was computed (ms, monotonic). */
  at: number
}

export class RateLimiter {
  readonly #buckets = new Map<string, Bucket>()
  readonly #now: () => number

  constructor(now: () => number = () => performance.now()) {
    this.#now = now
  }

  /**
   * Takes one token from `key`'s bucket.
   *
   * @returns 0 when the request may go on, else the seconds until a token is back (≥ 1, whole).
   */
  take(key: string, limit: RateLimit): number {
    const now = this.#now()
    const burst = limit.burstRequests ?? Math.max(1, Math.ceil(limit.requestsPerSecond))
    const bucket = this.#buckets.get(key) ?? { tokens: burst, at: now }
    bucket.tokens = Math.min(burst, bucket.tokens + ((now - bucket.at) / 1000) * limit.requestsPerSecond)
    bucket.at = now
    this.#buckets.set(key, bucket)
    if (bucket.tokens >= 1) {
      bucket.tokens -= 1
      return 0
    }
    return Math.max(1, Math.ceil((1 - bucket.tokens) / limit.requestsPerSecond))
  }
}
