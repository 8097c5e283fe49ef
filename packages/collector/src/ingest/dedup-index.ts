/**
 * Which `(tenant, messageId)` pairs were acknowledged recently, so a retried event is stored once
 * (the Segment Spec's idempotency key; Segment dedups over ~24 h: shared/specs/collector-anchors.md §3).
 * Ids are kept as 64-bit hashes in one table per hour of arrival; tables older than the window
 * are dropped whole, and when the index holds `maxIds` the oldest hour goes first (the window
 * shrinks; the `events` table's ReplacingMergeTree and `FINAL` reads stay the backstop).
 * Memory: 16-32 bytes per id, 16-32 MB per million ids. A false "seen" needs a 64-bit hash
 * collision: with 10 M ids held, about 1 in 2·10^12 lookups.
 */
import { HashSet64, hashString64 } from '../util/hash-set-64.js'

const HOUR_MS = 3_600_000

export interface DedupIndexOptions {
  /** Hours an id is remembered (hours). */
  windowHours: number
  /** Most ids held; past it the oldest hour is dropped (ids). */
  maxIds: number
}

/** A pair's hash. */
export type IdHash = [number, number]

export class DedupIndex {
  readonly #options: DedupIndexOptions
  readonly #hours = new Map<number, HashSet64>()
  #size = 0

  constructor(options: DedupIndexOptions) {
    this.#options = options
  }

  /** The hash of a pair (tenant ids cannot contain NUL, so the join is unambiguous). */
  static hash(tenantId: string, messageId: string): IdHash {
    return hashString64(`${tenantId}\u0000${messageId}`)
  }

  /** Ids held. */
  get size(): number {
    return this.#size
  }

  /** Bytes of the hash tables. */
  get bytes(): number {
    let bytes = 0
    for (const table of this.#hours.values()) bytes += table.bytes
    return bytes
  }

  /** Hours of arrival the index still covers, oldest first (epoch hours). */
  get oldestHour(): number | undefined {
    let oldest: number | undefined
    for (const hour of this.#hours.keys()) oldest = oldest === undefined ? hour : Math.min(oldest, hour)
    return oldest
  }

  has([high, low]: IdHash, nowMs = Date.now()): boolean {
    this.#expire(nowMs)
    for (const table of this.#hours.values()) if (table.has(high, low)) return true
    return false
  }

  /** Remembers a pair acknowledged at `atMs` (epoch ms); ignored when older than the window. */
  add([high, low]: IdHash, atMs = Date.now(), nowMs = atMs): void {
    const hour = Math.floor(atMs / HOUR_MS)
    if (hour <= Math.floor(nowMs / HOUR_MS) - this.#options.windowHours) return
    let table = this.#hours.get(hour)
    if (!table) {
      table = new HashSet64()
      this.#hours.set(hour, table)
    }
    if (table.add(high, low)) this.#size++
    if (this.#size > this.#options.maxIds) this.#dropOldest()
  }

  #expire(nowMs: number): void {
    const first = Math.floor(nowMs / HOUR_MS) - this.#options.windowHours
    for (const [hour, table] of this.#hours) {
      if (hour > first) continue
      this.#size -= table.size
      this.#hours.delete(hour)
    }
  }

  #dropOldest(): void {
    const oldest = this.oldestHour
    if (oldest === undefined) return
    this.#size -= this.#hours.get(oldest)!.size
    this.#hours.delete(oldest)
  }
}
