/**
 * Sends queued events: splits them into bodies under 60 KB and posts each one. Normally the
 * requests go one after another (one keepalive request in flight at a time) and stop at the
 * first retryable failure. When the page is being hidden they all go at once: as keepalive
 * fetches when the events are also kept in IndexedDB (the answer, if the page lives to read it,
 * deletes them; otherwise the next page resends them), else by `sendBeacon`, the surest hand-off
 * for events that have no other copy, falling back to keepalive `fetch` when the browser refuses.
 */
import type { Logger } from '../util/create-logger.js'
import { getByteLength } from '../util/get-byte-length.js'
import { createBody } from './create-body.js'
import { sendBatch, type SendResult } from './send-batch.js'
import { MAX_BODY_BYTES, splitBatch } from './split-batch.js'

/** What came of sending a set of events. */
export interface SendOutcome {
  /** Events to send again later, in their original order. */
  _failed: string[]
  /** Events the collector answered for, stored or refused for good: forget them. */
  _done: string[]
  /** The largest `Retry-After` among failed requests (ms). */
  _retryAfterMs: number
  /** Every request was answered 2xx (or handed to `sendBeacon`). */
  _ok: boolean
}

/**
 * Sends serialized events; `hiding` when the page is going away (all requests dispatched at
 * once), and then `beacon` to prefer `sendBeacon`.
 */
export type Sender = (items: string[], hiding?: boolean, beacon?: boolean) => Promise<SendOutcome>

export interface SenderOptions {
  url: string
  writeKey: string
  fetch: (url: string, init: RequestInit) => Promise<Response>
  beacon: (url: string, body: string) => boolean
  now: () => number
  log: Logger
}

/** Creates the sender for one collector and write key. */
export function createSender(o: SenderOptions): Sender {
  return async (items, hiding, beacon) => {
    const sentAt = new Date(o.now()).toISOString()
    const chunks = splitBatch(items, MAX_BODY_BYTES - getByteLength(createBody(o.writeKey, sentAt, [])))
    const outcome: SendOutcome = { _failed: [], _done: [], _retryAfterMs: 0, _ok: true }
    const post = (chunk: string[]) => sendBatch(o.url, createBody(o.writeKey, sentAt, chunk), o.fetch, o.now)
    const handle = (chunk: string[], result: SendResult) => {
      o.log('sent', chunk.length, 'events:', result._status || 'network error', result._body)
      const rejected = result._body && 'rejected' in result._body && result._body.rejected
      if (rejected && rejected.length) o.log('rejected', rejected)
      if (!result._ok) outcome._ok = false
      if (result._retry) {
        outcome._failed.push(...chunk)
        outcome._retryAfterMs = Math.max(outcome._retryAfterMs, result._retryAfterMs)
      } else outcome._done.push(...chunk)
    }
    if (hiding) {
      await Promise.all(
        chunks.map((chunk) =>
          beacon && o.beacon(o.url, createBody(o.writeKey, sentAt, chunk))
            ? o.log('beacon', chunk.length, 'events')
            : post(chunk).then((result) => handle(chunk, result)),
        ),
      )
    } else {
      for (let i = 0; i < chunks.length; i++) {
        const chunk = chunks[i]!
        handle(chunk, await post(chunk))
        if (outcome._failed.length) {
          outcome._failed.push(...chunks.slice(i + 1).flat())
          break
        }
      }
    }
    return outcome
  }
}
