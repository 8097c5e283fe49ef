/**
 * One small key-value interface for every place the SDK keeps ids: cookies, localStorage and
 * memory. Implementations never throw: blocked storage (Safari private mode, sandboxed iframes,
 * `SecurityError` when cookies are disabled) reads as empty and writes return `false`.
 */
export interface Store {
  /** The value, or `null` when absent or unreadable. */
  get(key: string): string | null
  /** Stores the value; `maxAgeMs` only applies to cookies. Returns whether the write stuck. */
  set(key: string, value: string, maxAgeMs?: number): boolean
  remove(key: string): void
}
