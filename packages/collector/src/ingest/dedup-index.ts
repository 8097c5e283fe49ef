/**
 * Which `(tenant, messageId)` pairs were acknowledged recently, so a retried event is stored once
 * (the Segment Spec's idempotency key; Segment dedups over ~24 h: shared/specs/collector-anchors.md §3).
 * Ids are kept as 64-bit hashes in generations: fixed-size tables filled one after the other
 * (never rehashed, which stalled the event loop for ~100 ms per million ids held), each dropped
 * whole once its newest id is older than the window; when the index holds `maxIds` the oldest
 * generation goes first (the window shrinks; the `events` table's ReplacingMergeTree and `FINAL`
 * reads stay the backstop). An id is remembered for at least the window.
 * Memory: 16 bytes per id of a generation's capacity, at most {@link GENERATION_IDS} ids
 * (8 MiB) each. A false "seen" needs a 64-bit hash collision: with 10 M ids held, about 1 in
 * 2·10^12 lookups.
 */
import { HashSet64, hashString64 } from '../util/hash-set-64.js'

const HOUR_MS = 3_600_000

/** Most ids in one generation (ids): lookups probe every generation, so few large ones. */
export const GENERATION_IDS = 2 ** 19

export interface DedupIndexOptions {
  /** Hours an id is remembered (hours). */
  windowHours: number
  /** Most ids held; past it the oldest generation is dropped (ids). */
  maxIds: number
}

/** A pair's hash. */
export type IdHash = [number, number]

interface Generation {
  ids: HashSet64
  /** Arrival of its newest id (epoch ms). */
  newestMs: number
}

export class DedupIndex {
  readonly #options: DedupIndexOptions
  readonly #capacity: number
  /** Oldest first; the last one takes new ids. */
  #generations: Generation[] = []
  #size = 0

  constructor(options: DedupIndexOptions) {
    this.#options = options
    // A quarter of maxIds each, so dropping the oldest keeps most of the window.
    this.#capacity = Math.max(1, Math.min(GENERATION_IDS, Math.ceil(options.maxIds / 4)))
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
    for (const generation of this.#generations) bytes += generation.ids.bytes
    return bytes
  }

  has([high, low]: IdHash, nowMs = Date.now()): boolean {
    this.#expire(nowMs)
    // Newest first: a retry mostly follows its first attempt closely.
    for (let i = this.#generations.length - 1; i >= 0; i--) {
      if (this.#generations[i]!.ids.has(high, low)) return true
    }
    return false
  }

  /**
   * Remembers a pair acknowledged at `atMs` (epoch ms); ignored when older than the window. A pair
   * held already (ids loaded at start from both ClickHouse and the log) stays where it is, counted
   * once, and is kept for the window from `atMs` on.
   */
  add([high, low]: IdHash, atMs = Date.now(), nowMs = atMs): void {
    if (atMs <= nowMs - this.#options.windowHours * HOUR_MS) return
    for (let i = this.#generations.length - 1; i >= 0; i--) {
      const generation = this.#generations[i]!
      if (generation.ids.has(high, low)) {
        generation.newestMs = Math.max(generation.newestMs, atMs)
        return
      }
    }
    let current = this.#generations.at(-1)
    if (!current || current.ids.full) {
      current = { ids: new HashSet64(this.#capacity), newestMs: atMs }
      this.#generations.push(current)
    }
    current.ids.add(high, low)
    this.#size++
    current.newestMs = Math.max(current.newestMs, atMs)
    while (this.#size > this.#options.maxIds && this.#generations.length > 1) this.#dropOldest()
  }

  #expire(nowMs: number): void {
    const oldest = nowMs - this.#options.windowHours * HOUR_MS
    while (this.#generations.length > 0 && this.#generations[0]!.newestMs <= oldest) this.#dropOldest()
  }

  #dropOldest(): void {
    const dropped = this.#generations.shift()
    if (dropped) this.#size -= dropped.ids.size
  }
}
