/**
 * The in-memory event queue. It flushes when `flushAt` events are waiting, `flushIntervalMs`
 * after the first event arrived, on an explicit `flush()`, and by beacon when the page is hidden.
 * Failed sends go back to the front, in order, with the same bytes (same `messageId`), and are
 * retried after a jittered exponential backoff or the server's `Retry-After`, whichever is longer.
 * One normal flush runs at a time.
 */
import type { SendOutcome } from '../transport/create-sender.js'
import type { Logger } from '../util/create-logger.js'
import { getBackoffMs } from './get-backoff-ms.js'

export interface QueueOptions {
  /** Flush when this many events are waiting (events). */
  flushAt: number
  /** Flush this long after the first waiting event arrived (ms). */
  flushIntervalMs: number
  /** Most events kept; the oldest are dropped past it (events). */
  maxQueueSize: number
  send: (items: string[], useBeacon?: boolean) => Promise<SendOutcome>
  random: () => number
  log: Logger
}

export interface Queue {
  /** Adds a serialized event. */
  _push(item: string): void
  /**
   * Sends everything waiting now, cancelling any backoff. With `useBeacon`, dispatches
   * synchronously (for `pagehide`) instead of after the flush in progress.
   * Resolves `true` when every event it took was answered 2xx (or handed to `sendBeacon`).
   */
  _flush(useBeacon?: boolean): Promise<boolean>
  /** Events waiting (read-only view, for tests and debugging). */
  readonly _items: readonly string[]
}

/** Creates an empty queue. */
export function createQueue(o: QueueOptions): Queue {
  let items: string[] = []
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

  const deliver = async (batch: string[], useBeacon?: boolean): Promise<boolean> => {
    if (!batch.length) return true
    const outcome = await o.send(batch, useBeacon)
    if (outcome._failed.length) {
      items = outcome._failed.concat(items)
      if (items.length > o.maxQueueSize)
        o.log('queue full: dropped', items.splice(0, items.length - o.maxQueueSize).length)
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

  const flush = (useBeacon?: boolean): Promise<boolean> => {
    if (useBeacon) return deliver(takeAll(), true)
    return (running = running.then(() => deliver(takeAll())).catch(() => false))
  }

  return {
    _push(item) {
      items.push(item)
      if (items.length > o.maxQueueSize) o.log('queue full: dropped', items.splice(0, 1).length)
      if (backingOff) return
      if (items.length >= o.flushAt) void flush()
      else if (!timer) schedule(o.flushIntervalMs)
    },
    _flush: flush,
    get _items() {
      return items
    },
  }
}
