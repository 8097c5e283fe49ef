/**
 * The log's sink reuses the memory of large payloads (batches of hundreds of events) once the log
 * has written them, and never before: a payload reused too early would be overwritten by a later
 * request's rows before its own were written.
 */
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { decodeEventRows } from '../helpers/decode-event-rows.js'
import { toClickHouseTime, type EventRow } from '../../src/ingest/event-row.js'
import { createRow } from '../../src/ingest/steps/index.js'
import { LogEventSink } from '../../src/log/log-event-sink.js'
import { SegmentLog } from '../../src/log/segment-log.js'
import { BufferPool, POOLED_MIN_BYTES } from '../../src/util/buffer-pool.js'
import { quietLogger, testSite } from '../helpers/test-site.js'

describe('BufferPool', () => {
  it('hands out memory again once released, the smallest that fits, and keeps at most maxFreeBytes', () => {
    const pool = new BufferPool(1.5 * 1024 * 1024)
    const small = pool.allocate(1000)
    expect(small.length).toBe(1000)
    pool.release(small)
    expect(pool.freeBytes).toBe(0)
    const a = pool.allocate(200_000)
    const b = pool.allocate(200_000)
    expect(a.length).toBe(200_000)
    // Held: never the same memory.
    expect(b.buffer).not.toBe(a.buffer)
    const big = pool.allocate(600_000)
    pool.release(big)
    pool.release(a)
    pool.release(a)
    expect(pool.freeBytes).toBe(1024 * 1024 + 256 * 1024)
    // The smallest free memory that fits: a's 256 KiB, not big's 1 MiB.
    expect(pool.allocate(POOLED_MIN_BYTES).buffer).toBe(a.buffer)
    expect(pool.allocate(300_000).buffer).toBe(big.buffer)
    // Past maxFreeBytes, released memory is left to the garbage collector.
    const more = [pool.allocate(700_000), pool.allocate(700_000)]
    for (const buffer of more) pool.release(buffer)
    expect(pool.freeBytes).toBe(1024 * 1024)
  })
})

describe('LogEventSink', () => {
  let dir: string
  let log: SegmentLog | undefined
  afterEach(async () => {
    await log?.close()
    rmSync(dir, { recursive: true, force: true })
  })

  const site = testSite('t', { siteId: 's' })
  /** A batch of `count` rows (~1 KB each) whose message ids start with `prefix`. */
  const batch = (prefix: string, count: number): EventRow[] =>
    Array.from({ length: count }, (_, i) => ({
      ...createRow({ site, receivedAt: Date.UTC(2026, 11, 6), sentAt: undefined, ip: '', userAgent: '' }),
      message_id: `${prefix}-${i}`,
      timestamp: toClickHouseTime(Date.UTC(2026, 11, 6, 10, 0, i % 60)),
      properties: JSON.stringify({ filler: prefix.repeat(900 / prefix.length) }),
    }))

  it('writes every row of large batches appended together, and reuses their memory only after', async () => {
    dir = mkdtempSync(join(tmpdir(), 'rastro-sink-'))
    log = SegmentLog.open({
      dir,
      durability: 'fsync',
      segmentBytes: 64 * 1024 * 1024,
      maxLogBytes: 1024 * 1024 * 1024,
      fsyncIntervalMs: 100,
      minFreeDiskBytes: 0,
      logger: quietLogger,
    })
    const sink = new LogEventSink(log)
    // Three batches of ~300 KB in one turn of the event loop: one group commit, three pooled payloads.
    await Promise.all(['a', 'b', 'c'].map((prefix) => sink.write(batch(prefix, 300))))
    // Then more, which take the memory the first three released.
    await Promise.all(['d', 'e', 'f'].map((prefix) => sink.write(batch(prefix, 300))))
    await sink.write(batch('g', 300))
    const { records } = await log.read(0, 64 * 1024 * 1024)
    expect(records).toHaveLength(7)
    for (const record of records) expect(record.payload.length).toBeGreaterThanOrEqual(POOLED_MIN_BYTES)
    const ids = records.flatMap((record) => decodeEventRows(record.payload).map((row) => row.message_id))
    expect(ids).toEqual(
      ['a', 'b', 'c', 'd', 'e', 'f', 'g'].flatMap((prefix) =>
        batch(prefix, 300).map((row) => row.message_id),
      ),
    )
  })
})
