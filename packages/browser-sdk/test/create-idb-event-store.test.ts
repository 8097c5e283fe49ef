/**
 * The IndexedDB event store on fake-indexeddb (a full IndexedDB in JS): what a tab writes is
 * claimed by nobody while the tab beats, by another page once it is gone, once; the caps and age
 * limit hold.
 */
import { IDBFactory } from 'fake-indexeddb'
import { beforeEach, describe, expect, it } from 'vitest'
import {
  createIdbEventStore,
  HEARTBEAT_PREFIX,
  LEASE_MS,
  MAX_EVENT_AGE_MS,
  MAX_STORED_EVENTS,
} from '../src/queue/create-idb-event-store.js'
import { createGatedStore } from '../src/storage/create-gated-store.js'
import { createLogger } from '../src/util/create-logger.js'
import { createUuidV7 } from '../src/util/create-uuid.js'

const t0 = Date.UTC(2026, 0, 1)
let time = t0
const now = () => time
const item = (ms: number, n = 0) => JSON.stringify({ messageId: createUuidV7(ms), n })
/** The site's localStorage, where the tabs keep their heartbeats. */
let beats = createGatedStore([], () => true)
const tab = (id: string) => createIdbEventStore(id, now, createLogger(), beats)

beforeEach(() => {
  // A fresh, empty IndexedDB for each test (idb-keyval reads the global).
  globalThis.indexedDB = new IDBFactory()
  beats = createGatedStore([], () => true)
  time = t0
})

describe('createIdbEventStore', () => {
  it('keeps a live tab’s events from other tabs, and hands them over once it stops beating', async () => {
    const a = tab('A')
    const events = [item(t0 - 2, 0), item(t0 - 1, 1), item(t0, 2)]
    await a._put(events)
    const b = tab('B')
    time += 1000
    const [claimed, nextMs] = await b._claim()
    expect(claimed).toEqual([])
    expect(nextMs).toBe(LEASE_MS - 1000)
    time += LEASE_MS
    expect(await b._claim()).toEqual([events, 0])
    // Claimed once: a third tab gets nothing, nor does B again.
    expect((await tab('C')._claim())[0]).toEqual([])
    expect((await b._claim())[0]).toEqual([])
  })

  it('lets the next page claim at once what a left page released, and forgets what was answered', async () => {
    const a = tab('A')
    const [x, y] = [item(t0, 0), item(t0, 1)]
    await a._put([x, y])
    a._delete([x])
    a._release()
    expect(beats.get(HEARTBEAT_PREFIX + 'A')).toBeNull()
    const [claimed] = await tab('B')._claim()
    expect(claimed).toEqual([y])
    expect(beats.get(HEARTBEAT_PREFIX + 'B')).toBe(String(t0))
  })

  it('stays released while the page is left, storing nothing more, and holds its events again once shown', async () => {
    const a = tab('A')
    const [x, y, z] = [item(t0, 0), item(t0 + 1, 1), item(t0 + 2, 2)]
    await a._put([x])
    a._release()
    // Web Vitals report on the visibilitychange that follows pagehide: they leave with the hide
    // flush, unstored (an open IndexedDB transaction would keep the page out of the bfcache).
    await a._put([y])
    expect(beats.get(HEARTBEAT_PREFIX + 'A')).toBeNull()
    expect((await tab('B')._claim())[0]).toEqual([x])
    // Restored from the back/forward cache: A lives again and holds what it records.
    a._resume()
    await a._put([z])
    expect(beats.get(HEARTBEAT_PREFIX + 'A')).toBe(String(t0))
    expect((await tab('C')._claim())[0]).toEqual([])
  })

  it('gives every event to exactly one of two tabs claiming at the same time', async () => {
    const gone = tab('gone')
    const events = Array.from({ length: 50 }, (_, i) => item(t0 + i, i))
    await gone._put(events)
    gone._release()
    const [[b], [c]] = await Promise.all([tab('B')._claim(), tab('C')._claim()])
    expect([...b, ...c].sort()).toEqual([...events].sort())
    expect(b.length * c.length).toBe(0)
  })

  it(`keeps the newest ${MAX_STORED_EVENTS} events, none older than 7 days, and survives a cleared store`, async () => {
    const a = tab('A')
    const old = item(t0 - MAX_EVENT_AGE_MS - 1, -1)
    const events = Array.from({ length: MAX_STORED_EVENTS + 5 }, (_, i) => item(t0 + i, i))
    await a._put([old, ...events])
    a._release()
    const [claimed] = await tab('B')._claim()
    expect(claimed).toEqual(events.slice(5))
    const c = tab('C')
    c._clear()
    expect((await c._claim())[0]).toEqual([])
  })

  it('never rejects when IndexedDB is missing', async () => {
    // @ts-expect-error simulating a browser without IndexedDB
    delete globalThis.indexedDB
    const a = tab('A')
    await expect(a._put([item(t0)])).resolves.toBeUndefined()
    expect(await a._claim()).toEqual([[], 0])
    a._delete([item(t0)])
    a._release()
    a._clear()
  })
})
