/**
 * The event queue. Every event is saved in the event store (IndexedDB when allowed) before it is
 * sent, and deleted from it only once the collector answered for it. It flushes when `flushAt`
 * events are waiting, `flushIntervalMs` after the first event arrived, on an explicit `flush()`,
 * and at once when the page is hidden. Failed sends go back to the front, in order, with the same
 * bytes (same `messageId`), and are retried after a jittered exponential backoff or the server's
 * `Retry-After`, whichever is longer. One normal flush runs at a time. Events left by earlier
 * pages are claimed from the store and sent first.
 */
import type { Sender } from '../transport/create-sender.js'
import type { Logger } from '../util/create-logger.js'
import { memoryEventStore, type EventStore } from './event-store.js'
import { getBackoffMs } from './get-backoff-ms.js'

export interface QueueOptions {
  /** Flush when this many events are waiting (events). */
  flushAt: number
  /** Flush this long after the first waiting event arrived (ms). */
  flushIntervalMs: number
  /** Most events kept; the oldest are dropped past it (events). */
  maxQueueSize: number
  /** Most JSON characters kept (about bytes); the oldest events are dropped past it. Default: 1_000_000. */
  maxQueueChars?: number
  send: Sender
  random: () => number
  log: Logger
}

export interface Queue {
  /** Adds a serialized event. */
  _push(item: string): void
  /**
   * Sends everything waiting now, cancelling any backoff. With `hiding`, dispatches synchronously
   * (for `pagehide`) instead of after the flush in progress.
   * Resolves `true` when every event it took was answered 2xx (or handed to `sendBeacon`).
   */
  _flush(hiding?: boolean): Promise<boolean>
  /** Moves to `store`: saves the waiting events in it, then claims and sends what earlier pages left. */
  _persist(store: EventStore): void
  /**
   * The page came back from the back/forward cache: holds its stored events again, and claims
   * and sends what the pages it went to left unanswered.
   */
  _resume(): void
  /** Drops every waiting and stored event (opt-out). */
  _clear(): void
  /** Events waiting (read-only view, for tests and debugging). */
  readonly _items: readonly string[]
}

/** Creates an empty queue, on the memory store until `_persist` is called. */
export function createQueue(o: QueueOptions): Queue {
  let items: string[] = []
  let store = memoryEventStore
  let written: Promise<unknown> = Promise.resolve()
  let timer: ReturnType<typeof setTimeout> | undefined
  let backingOff = false
  let attempt = 0
  let running: Promise<boolean> = Promise.resolve(true)

  const schedule = (delayMs: number) => {
    clearTimeout(timer)
    timer = setTimeout(() => {
      timer = undefined
      void flush()
    }, delayMs)
  }

  /** Drops the oldest events past the caps (count and characters), from memory and the store. */
  const trim = () => {
    let chars = 0
    let keep = 0
    while (
      keep < items.length &&
      keep < o.maxQueueSize &&
      (chars += items[items.length - 1 - keep]!.length) <= (o.maxQueueChars || 1_000_000)
    )
      keep++
    const dropped = items.splice(0, items.length - keep)
    if (dropped.length) {
      o.log('queue full: dropped', dropped.length)
      store._delete(dropped)
    }
  }

  const deliver = async (batch: string[], hiding?: boolean): Promise<boolean> => {
    if (!batch.length) return true
    // Saved before sent; a page being hidden cannot wait, its events were written when queued.
    if (!hiding) await written
    const outcome = await o.send(batch, hiding, !store._durable)
    store._delete(outcome._done)
    if (outcome._failed.length) {
      items = outcome._failed.concat(items)
      trim()
      const delayMs = Math.max(outcome._retryAfterMs, getBackoffMs(attempt++, o.random))
      o.log('retry', outcome._failed.length, 'events in', Math.round(delayMs), 'ms')
      backingOff = true
      schedule(delayMs)
    } else {
      attempt = 0
      if (items.length && !timer) schedule(o.flushIntervalMs)
    }
    return outcome._ok
  }

  const takeAll = () => {
    clearTimeout(timer)
    timer = undefined
    backingOff = false
    return items.splice(0)
  }

  const flush = (hiding?: boolean): Promise<boolean> => {
    if (hiding) return deliver(takeAll(), true)
    return (running = running.then(() => deliver(takeAll())).catch(() => false))
  }

  const add = (added: string[]) => {
    written = store._put(added)
    trim()
    if (backingOff) return
    if (items.length >= o.flushAt) void flush()
    else if (!timer) schedule(o.flushIntervalMs)
  }

  const claim = () =>
    void store._claim().then(([claimed, nextMs]) => {
      if (claimed.length) {
        o.log('resending', claimed.length, 'stored events')
        items = claimed.concat(items)
        trim()
        void flush()
      }
      if (nextMs) setTimeout(claim, nextMs)
    })

  return {
    _push(item) {
      items.push(item)
      add([item])
    },
    _flush: flush,
    _persist(next) {
      store = next
      written = store._put(items)
      claim()
    },
    _resume() {
      store._resume()
      claim()
    },
    _clear() {
      takeAll()
      store._clear()
    },
    get _items() {
      return items
    },
  }
}
