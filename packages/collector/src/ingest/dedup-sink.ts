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

export class DedupSink implements EventSink {
  readonly #inner: EventSink
  readonly #index: DedupIndex
  readonly #inFlight = new Map<string, Promise<void>>()
  readonly #onDuplicates: (count: number) => void

  constructor(inner: EventSink, index: DedupIndex, onDuplicates: (count: number) => void = () => {}) {
    this.#inner = inner
    this.#index = index
    this.#onDuplicates = onDuplicates
  }

  async write(rows: EventRow[]): Promise<void> {
    const fresh: EventRow[] = []
    const hashes: IdHash[] = []
    const keys: string[] = []
    const waits: Promise<void>[] = []
    const now = Date.now()
    const inRequest = new Set<string>()
    for (const row of rows) {
      const hash = DedupIndex.hash(row.tenant_id, row.message_id)
      const key = `${hash[0]}:${hash[1]}`
      const first = this.#inFlight.get(key)
      if (first) waits.push(first)
      else if (inRequest.has(key) || this.#index.has(hash, now)) {
        // A copy of an acknowledged event: acknowledged again, stored once.
      } else {
        inRequest.add(key)
        fresh.push(row)
        hashes.push(hash)
        keys.push(key)
        continue
      }
    }
    const duplicates = rows.length - fresh.length
    if (duplicates > 0) this.#onDuplicates(duplicates)
    if (fresh.length > 0) {
      const written = this.#inner.write(fresh)
      for (const key of keys) this.#inFlight.set(key, written)
      try {
        await written
        const at = Date.now()
        for (const hash of hashes) this.#index.add(hash, at)
      } finally {
        for (const key of keys) this.#inFlight.delete(key)
      }
    }
    if (waits.length > 0) await Promise.all(waits)
  }

  check(): void {
    this.#inner.check?.()
  }

  close(): Promise<void> {
    return this.#inner.close()
  }
}
