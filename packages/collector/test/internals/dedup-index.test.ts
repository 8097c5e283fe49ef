import { describe, expect, it } from 'vitest'
import { DedupIndex } from '../../src/ingest/dedup-index.js'
import { DedupSink } from '../../src/ingest/dedup-sink.js'
import type { EventRow, EventSink } from '../../src/ingest/event-row.js'
import { RateLimiter } from '../../src/ingest/rate-limiter.js'
import { HashMap64 } from '../../src/util/hash-map-64.js'
import { HashSet64, hashString64 } from '../../src/util/hash-set-64.js'

const HOUR = 3_600_000

describe('HashSet64', () => {
  it('holds a million hashes at 16-32 bytes each, with no false hit, and refuses a new one when full', () => {
    const set = new HashSet64(1_000_000)
    for (let i = 0; i < 1_000_000; i++) set.add(...hashString64(`tenant\u0000id-${i}`))
    expect(set.size).toBe(1_000_000)
    expect(set.bytes / set.size).toBeGreaterThanOrEqual(16)
    expect(set.bytes / set.size).toBeLessThanOrEqual(32)
    expect(set.has(...hashString64('tenant\u0000id-999999'))).toBe(true)
    let falseHits = 0
    for (let i = 0; i < 100_000; i++) if (set.has(...hashString64(`tenant\u0000other-${i}`))) falseHits++
    expect(falseHits).toBe(0)
    expect(set.add(...hashString64('tenant\u0000id-1'))).toBe(false)
    // Its capacity is rounded up to 2^20.
    for (let i = 1_000_000; i < 2 ** 20; i++) set.add(...hashString64(`tenant\u0000id-${i}`))
    expect(set.full).toBe(true)
    expect(set.add(...hashString64('tenant\u0000id-1'))).toBe(false)
    expect(() => set.add(...hashString64('tenant\u0000one more'))).toThrow(RangeError)
  })
})

describe('HashMap64', () => {
  it('agrees with a Map through 200k random sets and deletes, growing, over long runs of colliding keys', () => {
    const map = new HashMap64<number>(4)
    const model = new Map<string, number>()
    // Keys from a small pool, a third of them sharing a home slot (high ^ low alike), plus [0, 0]:
    // long probe runs that wrap around the table's end, and deletes in the middle of them.
    const keys: [number, number][] = [[0, 0]]
    for (let i = 1; i < 300; i++) keys.push(i % 3 === 0 ? [i * 7919, (i * 7919) ^ 5] : hashString64(`k${i}`))
    let seed = 42
    const random = (n: number) => (seed = (Math.imul(seed, 1103515245) + 12345) >>> 0) % n
    for (let step = 0; step < 200_000; step++) {
      const [high, low] = keys[random(keys.length)]!
      const name = `${high}:${low}`
      if (random(3) === 0) expect(map.delete(high, low)).toBe(model.delete(name))
      else {
        map.set(high, low, step)
        model.set(name, step)
      }
      if (step % 1000 === 0) for (const [h, l] of keys) expect(map.get(h, l)).toBe(model.get(`${h}:${l}`))
    }
    expect(map.size).toBe(model.size)
    for (const [h, l] of keys) expect(map.get(h, l)).toBe(model.get(`${h}:${l}`))
  })
})

describe('DedupIndex', () => {
  it('remembers ids for the window, per tenant, and forgets them after it', () => {
    const index = new DedupIndex({ windowHours: 24, maxIds: 100 })
    const t0 = Date.UTC(2026, 0, 1, 10, 30)
    index.add(DedupIndex.hash('a', 'm1'), t0)
    expect(index.has(DedupIndex.hash('a', 'm1'), t0 + 23 * HOUR)).toBe(true)
    expect(index.has(DedupIndex.hash('b', 'm1'), t0)).toBe(false)
    expect(index.has(DedupIndex.hash('a', 'm1'), t0 + 25 * HOUR)).toBe(false)
    expect(index.size).toBe(0)
    // An id acknowledged before the window is not added.
    index.add(DedupIndex.hash('a', 'old'), t0 - 30 * HOUR, t0)
    expect(index.size).toBe(0)
  })

  it('fills generations of a quarter of maxIds and drops the oldest when full', () => {
    const index = new DedupIndex({ windowHours: 24, maxIds: 8 })
    const t0 = Date.UTC(2026, 0, 1, 10)
    for (let i = 0; i < 8; i++) index.add(DedupIndex.hash('a', `id-${i}`), t0 + i)
    expect(index.size).toBe(8)
    expect(index.bytes).toBe(4 * 4 * 8) // 4 generations of 2 ids: 4 slots of 8 bytes each
    index.add(DedupIndex.hash('a', 'id-8'), t0 + 8)
    // The first generation (id-0, id-1) made way.
    expect(index.size).toBe(7)
    expect(index.has(DedupIndex.hash('a', 'id-1'), t0 + 9)).toBe(false)
    for (let i = 2; i <= 8; i++) expect(index.has(DedupIndex.hash('a', `id-${i}`), t0 + 9)).toBe(true)
    // A generation goes once its newest id is out of the window.
    expect(index.has(DedupIndex.hash('a', 'id-4'), t0 + 5 + 24 * HOUR)).toBe(false)
    expect(index.has(DedupIndex.hash('a', 'id-6'), t0 + 5 + 24 * HOUR)).toBe(true)
    expect(index.size).toBe(3)
  })
})

describe('DedupIndex, an id added again', () => {
  it('counts it once, wherever it is held, and keeps it for the window from its latest arrival', () => {
    const index = new DedupIndex({ windowHours: 24, maxIds: 8 })
    const t0 = Date.UTC(2026, 0, 1, 10)
    for (let i = 0; i < 6; i++) index.add(DedupIndex.hash('a', `id-${i}`), t0 + i)
    // id-0 is in the first generation, which is full; the third takes new ids.
    index.add(DedupIndex.hash('a', 'id-0'), t0 + 2 * HOUR)
    index.add(DedupIndex.hash('a', 'id-5'), t0 + 2 * HOUR)
    expect(index.size).toBe(6)
    // Its generation now lives until a window after t0 + 2 h, and the ones after it with it.
    expect(index.has(DedupIndex.hash('a', 'id-0'), t0 + 25 * HOUR)).toBe(true)
    expect(index.size).toBe(6)
    expect(index.has(DedupIndex.hash('a', 'id-0'), t0 + 27 * HOUR)).toBe(false)
    expect(index.size).toBe(0)
  })
})

function rows(...ids: string[]): EventRow[] {
  return ids.map((message_id) => ({ tenant_id: 't', message_id }) as EventRow)
}

describe('DedupSink', () => {
  it('passes each (tenant, messageId) once, and remembers it only once written', async () => {
    const written: string[][] = []
    let fail = false
    const inner: EventSink = {
      async write(batch) {
        if (fail) throw new Error('disk on fire')
        written.push(batch.map((row) => row.message_id))
      },
      async close() {},
    }
    let duplicates = 0
    const sink = new DedupSink(
      inner,
      new DedupIndex({ windowHours: 24, maxIds: 1000 }),
      (n) => (duplicates += n),
    )
    fail = true
    await expect(sink.write(rows('x'))).rejects.toThrow('disk on fire')
    fail = false
    await sink.write(rows('x', 'y', 'x'))
    await sink.write(rows('y', 'z'))
    expect(written).toEqual([['x', 'y'], ['z']])
    expect(duplicates).toBe(2)
  })

  it('makes a copy that arrives during the first write wait for it, and fail with it', async () => {
    let release!: (error?: Error) => void
    const inner: EventSink = {
      write: () =>
        new Promise<void>((resolve, reject) => (release = (error) => (error ? reject(error) : resolve()))),
      async close() {},
    }
    const sink = new DedupSink(inner, new DedupIndex({ windowHours: 24, maxIds: 1000 }))
    const first = sink.write(rows('p'))
    const copy = sink.write(rows('p'))
    release(new Error('write failed'))
    await expect(first).rejects.toThrow('write failed')
    await expect(copy).rejects.toThrow('write failed')
  })

  it('tells apart ids in flight whose hashes share their high half', async () => {
    // Two message ids whose hashes share the high 32 bits (a birthday search over ~2^16 ids).
    const seen = new Map<number, string>()
    let pair: [string, string] | undefined
    for (let i = 0; !pair; i++) {
      const id = `id-${i}`
      const [high] = DedupIndex.hash('t', id)
      const other = seen.get(high)
      if (other) pair = [other, id]
      else seen.set(high, id)
    }
    const [a, b] = pair
    const releases: (() => void)[] = []
    const written: string[][] = []
    const inner: EventSink = {
      write: (batch) =>
        new Promise<void>((resolve) => {
          written.push(batch.map((row) => row.message_id))
          releases.push(resolve)
        }),
      async close() {},
    }
    const sink = new DedupSink(inner, new DedupIndex({ windowHours: 24, maxIds: 1000 }))
    const first = sink.write(rows(a))
    const second = sink.write(rows(b, a))
    const copyOfB = sink.write(rows(b))
    expect(written).toEqual([[a], [b]])
    let copyDone = false
    void copyOfB.then(() => (copyDone = true))
    releases[0]!()
    await first
    await new Promise((resolve) => setTimeout(resolve, 10))
    // The copy of b waits for b's write, not a's; a's write done, b is still in flight.
    expect(copyDone).toBe(false)
    const laterCopyOfB = sink.write(rows(b))
    expect(written).toEqual([[a], [b]])
    releases[1]!()
    await Promise.all([second, copyOfB, laterCopyOfB])
    const last = sink.write(rows(a, b, 'c'))
    expect(written).toEqual([[a], [b], ['c']])
    releases[2]!()
    await last
  })
})

describe('RateLimiter', () => {
  it('lets a burst through, then answers the seconds until the next token', () => {
    let now = 0
    const limiter = new RateLimiter(() => now)
    const limit = { requestsPerSecond: 2, burstRequests: 3 }
    expect([1, 2, 3].map(() => limiter.take('k', limit))).toEqual([0, 0, 0])
    expect(limiter.take('k', limit)).toBe(1)
    expect(limiter.take('other', limit)).toBe(0)
    now = 500
    expect(limiter.take('k', limit)).toBe(0)
    expect(limiter.take('k', limit)).toBe(1)
  })
})
