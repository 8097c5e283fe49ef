/**
 * An {@link EventSink} decorator that drops events whose `(tenant, messageId)` was already
 * acknowledged (within the {@link DedupIndex} window) before handing the rest to the inner sink.
 * A pair is remembered only once the inner sink has made it durable. A copy that arrives while
 * the first is still being written waits for it: if the first fails, the copy's request fails
 * too (503, the client retries), so no copy is acknowledged on the strength of a write that did
 * not happen.
 */
import { DedupIndex, type IdHash } from './dedup-index.js'
import type { EventRow, EventSink } from './event-row.js'

/**
 * An id being written: the low half of its hash and the write (undefined while the request that
 * holds it is still sorting its events), chained to the other ids of the same high half.
 */
interface InFlight {
  low: number
  written: Promise<void> | undefined
  next: InFlight | undefined
}

export class DedupSink implements EventSink {
  readonly #inner: EventSink
  readonly #index: DedupIndex
  /**
   * Ids being written, by the high half of their hash as an int32: a small-integer key, where a
   * string key cost a few allocations per event and kept them alive until the write was durable.
   */
  readonly #inFlight = new Map<number, InFlight>()
  readonly #onDuplicates: (count: number) => void

  constructor(inner: EventSink, index: DedupIndex, onDuplicates: (count: number) => void = () => {}) {
    this.#inner = inner
    this.#index = index
    this.#onDuplicates = onDuplicates
  }

  /**
   * Not an async function over `rows`: the rows are handed to the inner sink (which encodes them)
   * before this returns, and only their hashes wait for the write.
   */
  write(rows: EventRow[]): Promise<void> {
    const fresh: EventRow[] = []
    const hashes: IdHash[] = []
    const entries: InFlight[] = []
    const waits: Promise<void>[] = []
    const now = Date.now()
    let written: Promise<void> | undefined
    try {
      for (const row of rows) {
        const hash = DedupIndex.hash(row.tenant_id, row.message_id)
        const first = this.#find(hash)
        if (first) {
          // Undefined: a copy within this request, stored once.
          if (first.written) waits.push(first.written)
        } else if (this.#index.has(hash, now)) {
          // A copy of an acknowledged event: acknowledged again, stored once.
        } else {
          fresh.push(row)
          hashes.push(hash)
          entries.push(this.#add(hash))
        }
      }
      const duplicates = rows.length - fresh.length
      if (duplicates > 0) this.#onDuplicates(duplicates)
      if (fresh.length > 0) {
        written = this.#inner.write(fresh)
        for (const entry of entries) entry.written = written
      }
    } catch (error) {
      this.#removeAll(hashes, entries)
      return Promise.reject(error)
    }
    return this.#settle(written, hashes, entries, waits)
  }

  /** Waits for this request's write, remembers its ids once it is durable, then for the copies' writes. */
  async #settle(
    written: Promise<void> | undefined,
    hashes: IdHash[],
    entries: InFlight[],
    waits: Promise<void>[],
  ): Promise<void> {
    try {
      if (written) {
        await written
        const at = Date.now()
        for (const hash of hashes) this.#index.add(hash, at)
      }
    } finally {
      this.#removeAll(hashes, entries)
    }
    if (waits.length > 0) await Promise.all(waits)
  }

  #removeAll(hashes: IdHash[], entries: InFlight[]): void {
    for (let i = 0; i < entries.length; i++) this.#remove(hashes[i]!, entries[i]!)
  }

  #find([high, low]: IdHash): InFlight | undefined {
    for (let entry = this.#inFlight.get(high | 0); entry; entry = entry.next)
      if (entry.low === low) return entry
    return undefined
  }

  #add([high, low]: IdHash): InFlight {
    const entry: InFlight = { low, written: undefined, next: this.#inFlight.get(high | 0) }
    this.#inFlight.set(high | 0, entry)
    return entry
  }

  #remove([high]: IdHash, entry: InFlight): void {
    const key = high | 0
    let previous: InFlight | undefined
    for (let at = this.#inFlight.get(key); at; previous = at, at = at.next) {
      if (at !== entry) continue
      if (previous) previous.next = at.next
      else if (at.next) this.#inFlight.set(key, at.next)
      else this.#inFlight.delete(key)
      return
    }
  }

  check(): void {
    this.#inner.check?.()
  }

  close(): Promise<void> {
    return this.#inner.close()
  }
}
