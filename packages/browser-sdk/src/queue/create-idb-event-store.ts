/**
 * Events in IndexedDB (database `rastro`, object store `events`, through idb-keyval), written
 * before they are sent and deleted once answered, so a failed or interrupted send is retried by a
 * later page of the site, with the same `messageId` (the collector stores it once).
 *
 * Records are `messageId → [json, tabId]`; the keys are UUID v7s, so they sort by age. Each tab
 * owns what it wrote or claimed and proves it is alive with a heartbeat, `rastro_tab.<tabId> → ms`
 * in localStorage, renewed every 10 s while it holds events and removed on `pagehide`
 * (localStorage is written synchronously, so the removal holds even as the page is torn down,
 * which an IndexedDB transaction started in `pagehide` may not). A tab claims records whose owner
 * has no fresh heartbeat (30 s) in one readwrite transaction, which IndexedDB runs one at a time
 * across tabs, so two tabs never take the same event. The claim also enforces the caps: at most
 * 1000 events and 1 MB (JSON characters), newest kept, and 7 days of age (Safari's ITP deletes
 * script-writable storage after 7 days without a visit anyway: https://webkit.org/blog/10218/).
 */
import { createStore, promisifyRequest } from 'idb-keyval'
import type { Store } from '../storage/store.js'
import type { Logger } from '../util/create-logger.js'
import { getUuidV7Time } from '../util/create-uuid.js'
import { getMessageId, type EventStore } from './event-store.js'

/** How often a tab holding events renews its heartbeat (ms). */
export const HEARTBEAT_MS = 10_000
/** A heartbeat older than this means the tab is gone and its events can be claimed (ms). */
export const LEASE_MS = 30_000
/** Stored events older than this are deleted unsent: 7 days (ms). */
export const MAX_EVENT_AGE_MS = 7 * 24 * 3600 * 1000
/** Most events kept in storage (Snowplow's cap, snowplow-javascript-tracker#771). */
export const MAX_STORED_EVENTS = 1000
/** Most JSON characters kept in storage, about 1 MB (Segment #1200/#1261: quotas break sites). */
export const MAX_STORED_CHARS = 1_000_000
/** Prefix of the heartbeat keys in localStorage. */
export const HEARTBEAT_PREFIX = 'rastro_tab.'

type StoredEvent = [json: string, tabId: string]

/**
 * Creates the IndexedDB store for the tab `tabId`, with its heartbeat in `beats` (localStorage).
 * Every call is guarded: failures are logged, never thrown.
 */
export function createIdbEventStore(tabId: string, now: () => number, log: Logger, beats: Store): EventStore {
  const db = createStore('rastro', 'events')
  const owned = new Set<string>()
  let timer: ReturnType<typeof setTimeout> | undefined
  /** Puts `records` and deletes `keys` (all keys with `null`) in one transaction. */
  const write = (records: [string, StoredEvent][], keys?: string[] | null) =>
    db('readwrite', (store) => {
      if (keys === null) store.clear()
      for (const key of keys || []) store.delete(key)
      for (const [key, value] of records) store.put(value, key)
      return promisifyRequest(store.transaction)
    })
  const run = <T>(fn: () => Promise<T>, fallback: T): Promise<T> => {
    try {
      return fn().catch((error) => (log('storage', error), fallback))
    } catch (error) {
      log('storage', error)
      return Promise.resolve(fallback)
    }
  }
  /** The page is being left: no heartbeat, so the next page claims at once. */
  let leaving = false
  /** Renews the heartbeat, and keeps renewing it while this tab holds events (and is not leaving). */
  const beat = () => {
    if (!owned.size || leaving) return
    beats.set(HEARTBEAT_PREFIX + tabId, '' + now())
    if (!timer)
      timer = setTimeout(() => {
        timer = undefined
        beat()
      }, HEARTBEAT_MS)
  }
  const release = () => {
    leaving = true
    beats.remove(HEARTBEAT_PREFIX + tabId)
  }
  return {
    _durable: true,
    _put(items) {
      // What a leaving page records (Web Vitals on the hide) leaves with the hide flush, unstored:
      // an IndexedDB transaction open while the page is frozen keeps it out of the back/forward cache.
      if (leaving) return Promise.resolve()
      const records: [string, StoredEvent][] = []
      for (const item of items) {
        owned.add(getMessageId(item))
        records.push([getMessageId(item), [item, tabId]])
      }
      beat()
      return run(() => write(records), undefined)
    },
    _delete(items) {
      const ids = items.map(getMessageId)
      for (const id of ids) owned.delete(id)
      if (ids.length) void run(() => write([], ids), undefined)
    },
    _claim() {
      return run(
        () =>
          db('readwrite', (store) => {
            const t = now()
            const claimed: string[] = []
            let count = 0
            let chars = 0
            let nextMs = 0
            const done = promisifyRequest(store.transaction)
            const cursor = store.openCursor(null, 'prev')
            cursor.onsuccess = () => {
              const c = cursor.result
              if (!c) return
              const key = c.key as string
              const value = c.value as StoredEvent
              if (
                !Array.isArray(value) ||
                t - getUuidV7Time(key) > MAX_EVENT_AGE_MS ||
                ++count > MAX_STORED_EVENTS ||
                (chars += value[0].length) > MAX_STORED_CHARS
              ) {
                c.delete()
                owned.delete(key)
              } else if (value[1] != tabId) {
                const leftMs = LEASE_MS - t + Number(beats.get(HEARTBEAT_PREFIX + value[1]))
                if (leftMs > 0) nextMs = Math.min(nextMs || LEASE_MS, leftMs)
                else {
                  beats.remove(HEARTBEAT_PREFIX + value[1])
                  c.update([value[0], tabId])
                  claimed.unshift(value[0])
                  owned.add(key)
                }
              }
              c.continue()
            }
            return done.then((): [string[], number] => {
              beat()
              return [claimed, nextMs]
            })
          }),
        [[], 0],
      )
    },
    _release: release,
    _resume() {
      leaving = false
      beat()
    },
    _clear() {
      owned.clear()
      release()
      void run(() => write([], null), undefined)
    },
  }
}
