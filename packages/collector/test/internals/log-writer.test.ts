import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { ClickHouseClient } from '@clickhouse/client'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createRow } from '../../src/ingest/steps/index.js'
import { decodeEventRows } from '../helpers/decode-event-rows.js'
import { encodeEventRows, EVENT_COLUMNS } from '../../src/ingest/encode-event-rows.js'
import { toClickHouseTime, type EventRow } from '../../src/ingest/event-row.js'
import type { SegmentLog } from '../../src/log/segment-log.js'
import { createStore } from '../../src/store/create-store-client.js'
import { loadDedupIndex } from '../../src/store/load-dedup-index.js'
import { LogWriter, type LogWriterOptions } from '../../src/store/log-writer.js'
import { DedupIndex } from '../../src/ingest/dedup-index.js'
import { runMigrations } from '../../src/store/run-migrations.js'
import { openTestLog, quietLogger, testSite } from '../helpers/test-site.js'

const site = testSite('w', { retentionDays: 3650 })

let dir: string
let client: ClickHouseClient

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'rastro-writer-'))
  client = createStore({ dataDir: dir }).client
  await runMigrations(client)
})
afterAll(async () => {
  await client.close()
  rmSync(dir, { recursive: true, force: true })
})

function row(messageId: string, timestampMs: number): EventRow {
  return {
    ...createRow({ site, receivedAt: Date.now(), sentAt: undefined, ip: '', userAgent: '' }),
    message_id: messageId,
    anonymous_id: 'a',
    event: 'Writer Test',
    timestamp: toClickHouseTime(timestampMs),
  }
}

function openLog(name: string) {
  return openTestLog(join(dir, name))
}

async function count(prefix: string): Promise<number> {
  const result = await client.query({
    query: 'SELECT count() AS n FROM events WHERE startsWith(message_id, {prefix:String})',
    query_params: { prefix },
    format: 'JSONEachRow',
  })
  return Number((await result.json<{ n: string }>())[0]!.n)
}

/** A writer on `log` that flushes every 10 ms, batches of up to 10k rows unless `options` say otherwise. */
function createWriter(log: SegmentLog, options: Partial<LogWriterOptions> = {}): LogWriter {
  return new LogWriter({
    client,
    log,
    logger: quietLogger,
    flushIntervalMs: 10,
    maxBatchRows: 10_000,
    ...options,
  })
}

async function drain(log: SegmentLog, writer: LogWriter): Promise<void> {
  const deadline = Date.now() + 20_000
  while (writer.position < log.readableEnd) {
    if (Date.now() > deadline) throw new Error('writer did not drain')
    await new Promise((resolve) => setTimeout(resolve, 10))
  }
}

describe('LogWriter', () => {
  it('splits a backfill spanning 150 months into inserts of at most 100 partitions', async () => {
    const log = openLog('backfill')
    const inserts: number[] = []
    const writer = createWriter(log, {
      flushIntervalMs: 20,
      maxBatchRows: 100_000,
      events: { onInsert: (rows) => inserts.push(rows) },
    })
    const rows = Array.from({ length: 150 }, (_, i) => row(`backfill-${i}`, Date.UTC(2026, i, 15)))
    await log.append(encodeEventRows(rows))
    writer.start()
    await drain(log, writer)
    await writer.close()
    await log.close()
    expect(await count('backfill-')).toBe(150)
    expect(inserts).toEqual([100, 50])
  })

  it('inserts an interrupted range again with the same token, so it is stored once', async () => {
    const log = openLog('redo')
    await log.append(encodeEventRows([row('redo-1', Date.now()), row('redo-2', Date.now())]))
    const first = createWriter(log)
    first.start()
    await drain(log, first)
    await first.close()
    expect(await count('redo-')).toBe(2)
    // As if the process died after the insert and before the cursor moved past it.
    await log.openCursor('clickhouse').commit({ position: 0, intent: { from: 0, to: log.head } })
    const again = createWriter(log)
    again.start()
    await drain(log, again)
    await again.close()
    await log.close()
    expect(await count('redo-')).toBe(2)
  })

  it('inserts a record written before the country column existed, with country empty', async () => {
    const log = openLog('before-country')
    const [current] = encodeEventRows([{ ...row('old-format-1', Date.now()), country: 'ES' }])
    // An older collector's line: the same values without the trailing `country`.
    const old = Buffer.from(current!.toString().replace(/,"ES"\]\n$/, ']\n'))
    expect(JSON.parse(old.toString())).toHaveLength(EVENT_COLUMNS.length - 1)
    expect(decodeEventRows(old)).toMatchObject([{ message_id: 'old-format-1', country: '' }])
    await log.append([old])
    await log.append(encodeEventRows([{ ...row('old-format-2', Date.now()), country: 'ES' }]))
    const writer = createWriter(log)
    writer.start()
    await drain(log, writer)
    await writer.close()
    await log.close()
    const result = await client.query({
      query:
        "SELECT message_id, country FROM events WHERE startsWith(message_id, 'old-format-') ORDER BY message_id",
      format: 'JSONEachRow',
    })
    expect(await result.json()).toEqual([
      { message_id: 'old-format-1', country: '' },
      { message_id: 'old-format-2', country: 'ES' },
    ])
  })

  it('sets aside a record ClickHouse cannot parse and inserts the others', async () => {
    const log = openLog('poison')
    const rejected: number[] = []
    const writer = createWriter(log, { events: { onRejectedRecord: () => rejected.push(1) } })
    await log.append(encodeEventRows([row('poison-ok-1', Date.now())]))
    await log.append([Buffer.from('["not a time", "w"]\n')])
    await log.append(encodeEventRows([row('poison-ok-2', Date.now())]))
    writer.start()
    await drain(log, writer)
    await writer.close()
    await log.close()
    expect(await count('poison-ok-')).toBe(2)
    expect(rejected).toEqual([1])
    const setAside = readFileSync(join(dir, 'poison', 'rejected-records.jsonl'), 'utf8')
      .trim()
      .split('\n')
    expect(setAside).toHaveLength(1)
    expect(JSON.parse(setAside[0]!)).toMatchObject({ payload: '["not a time", "w"]\n' })
  })

  it('sets aside only the lines ClickHouse cannot parse of a record holding many rows', async () => {
    const log = openLog('poison-lines')
    const writer = createWriter(log)
    const good = (n: number) => encodeEventRows([row(`lines-ok-${n}`, Date.now())])[0]!.toString()
    const bad = '["not a time", "w"]\n'
    // One record of several rows, as a batch request makes.
    await log.append([Buffer.from([good(1), good(2), bad, good(3), good(4), good(5)].join(''))])
    writer.start()
    await drain(log, writer)
    await writer.close()
    await log.close()
    expect(await count('lines-ok-')).toBe(5)
    const setAside = readFileSync(join(dir, 'poison-lines', 'rejected-records.jsonl'), 'utf8')
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line) as { payload: string; offset: number })
    expect(setAside).toEqual([expect.objectContaining({ payload: bad, offset: 2 * good(0).length })])
  })

  it('stores a lone UTF-16 surrogate instead of failing the insert', async () => {
    const log = openLog('surrogate')
    const writer = createWriter(log)
    await log.append(encodeEventRows([{ ...row('surrogate-1', Date.now()), event: 'odd \ud800 name' }]))
    writer.start()
    await drain(log, writer)
    await writer.close()
    await log.close()
    expect(await count('surrogate-')).toBe(1)
    const [stored] = await (
      await client.query({
        query: "SELECT event FROM events WHERE message_id = 'surrogate-1'",
        format: 'JSONEachRow',
      })
    ).json<{ event: string }>()
    expect(stored).toEqual({ event: 'odd \ufffd name' })
  })

  it('fills the dedup index from ClickHouse (the window) and from the log ahead of the writer', async () => {
    const log = openLog('dedup-load')
    const writer = createWriter(log)
    await log.append(encodeEventRows([row('loaded-in-clickhouse', Date.now())]))
    writer.start()
    await drain(log, writer)
    await writer.close()
    await log.append(encodeEventRows([row('loaded-from-log', Date.now())]))
    const index = new DedupIndex({ windowHours: 24, maxIds: 1000 })
    const loaded = await loadDedupIndex({
      client,
      log,
      from: writer.position,
      index,
      windowHours: 24,
      maxIds: 1000,
    })
    await log.close()
    expect(loaded.log).toBe(1)
    expect(loaded.clickhouse).toBeGreaterThanOrEqual(1)
    expect(index.has(DedupIndex.hash('w', 'loaded-in-clickhouse'))).toBe(true)
    expect(index.has(DedupIndex.hash('w', 'loaded-from-log'))).toBe(true)
    expect(index.has(DedupIndex.hash('w', 'never-sent'))).toBe(false)
  })
})
