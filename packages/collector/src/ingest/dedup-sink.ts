/**
 * An {@link EventSink} decorator that drops events whose `(tenant, messageId)` was already
 * acknowledged (within the {@link DedupIndex} window) before handing the rest to the inner sink.
 * A pair is remembered only once the inner sink has made it durable. A copy that arrives while
 * the first is still being written waits for it: if the first fails, the copy's request fails
 * too (503, the client retries), so no copy is acknowledged on the strength of a write that did
 * not happen.
 */
import { HashMap64 } from '../util/hash-map-64.js'
import { DedupIndex } from './dedup-index.js'
import type { EventRow, EventSink } from './event-row.js'

/** One request's write, which its ids in flight share (undefined while it sorts its events). */
interface PendingWrite {
  written: Promise<void> | undefined
}

export class DedupSink implements EventSink {
  readonly #inner: EventSink
  readonly #index: DedupIndex
  /** Ids being written, by their hash, each with its request's write: no object per id. */
  readonly #inFlight = new HashMap64<PendingWrite>()
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
    const pending: PendingWrite = { written: undefined }
    const fresh: EventRow[] = []
    /** The fresh ids' hashes, `high, low` pairs in a row. */
    const hashes: number[] = []
    let waits: Promise<void>[] | undefined
    const now = Date.now()
    try {
      for (let i = 0; i < rows.length; i++) {
        const row = rows[i]!
        const hash = DedupIndex.hash(row.tenant_id, row.message_id)
        const first = this.#inFlight.get(hash[0], hash[1])
        if (first) {
          // This request's own: a copy within it, stored once.
          if (first !== pending) (waits ??= []).push(first.written!)
        } else if (this.#index.has(hash, now)) {
          // A copy of an acknowledged event: acknowledged again, stored once.
        } else {
          fresh.push(row)
          hashes.push(hash[0], hash[1])
          this.#inFlight.set(hash[0], hash[1], pending)
        }
      }
      const duplicates = rows.length - fresh.length
      if (duplicates > 0) this.#onDuplicates(duplicates)
      if (fresh.length > 0) pending.written = this.#inner.write(fresh)
    } catch (error) {
      this.#removeAll(hashes)
      return Promise.reject(error)
    }
    return this.#settle(pending.written, hashes, waits)
  }

  /** Waits for this request's write, remembers its ids once it is durable, then for the copies' writes. */
  async #settle(
    written: Promise<void> | undefined,
    hashes: number[],
    waits: Promise<void>[] | undefined,
  ): Promise<void> {
    try {
      if (written) {
        await written
        const at = Date.now()
        for (let i = 0; i < hashes.length; i += 2) this.#index.add([hashes[i]!, hashes[i + 1]!], at)
      }
    } finally {
      this.#removeAll(hashes)
    }
    if (waits) await Promise.all(waits)
  }

  #removeAll(hashes: number[]): void {
    for (let i = 0; i < hashes.length; i += 2) this.#inFlight.delete(hashes[i]!, hashes[i + 1]!)
  }

  check(): void {
    this.#inner.check?.()
  }

  close(): Promise<void> {
    return this.#inner.close()
  }
}
