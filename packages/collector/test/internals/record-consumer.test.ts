import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { MessageChannel } from 'node:worker_threads'
import { afterAll, describe, expect, it } from 'vitest'
import { decodeEventRows } from '../helpers/decode-event-rows.js'
import { encodeEventRows } from '../../src/ingest/encode-event-rows.js'
import type { EventRow } from '../../src/ingest/event-row.js'
import { toClickHouseTime } from '../../src/ingest/event-row.js'
import { createRow } from '../../src/ingest/steps/index.js'
import { RecordConsumer } from '../../src/log/record-consumer.js'
import { openTestLog, quietLogger, testSite } from '../helpers/test-site.js'

const site = testSite('t')
const dir = mkdtempSync(join(tmpdir(), 'rastro-consumer-'))
afterAll(() => rmSync(dir, { recursive: true, force: true }))

function record(messageId: string): Buffer[] {
  return encodeEventRows([
    {
      ...createRow({ site, receivedAt: Date.now(), sentAt: undefined, ip: '', userAgent: '' }),
      message_id: messageId,
      event: 'Consumer Test',
      timestamp: toClickHouseTime(Date.now()),
      properties: JSON.stringify({ id: messageId }),
    },
  ])
}

async function until(check: () => boolean): Promise<void> {
  const deadline = Date.now() + 10_000
  while (!check()) {
    if (Date.now() > deadline) throw new Error('timed out')
    await new Promise((resolve) => setTimeout(resolve, 5))
  }
}

describe('RecordConsumer', () => {
  it('hands records over in order, gathering what arrives within batchIntervalMs into one batch', async () => {
    const log = openTestLog(join(dir, 'gather'))
    const batches: EventRow[][] = []
    const consumer = new RecordConsumer({
      log,
      name: 'test',
      handle: async (payloads) => void batches.push(payloads.flatMap((payload) => decodeEventRows(payload))),
      logger: quietLogger,
      batchIntervalMs: 1000,
    })
    consumer.start()
    await log.append(record('first'))
    await until(() => batches.length === 1)
    // Appended one request at a time, well within the interval: one batch, not four.
    for (const id of ['a', 'b', 'c', 'd']) await log.append(record(id))
    await until(() => batches.length === 2)
    expect(batches.map((rows) => rows.map((row) => row.message_id))).toEqual([
      ['first'],
      ['a', 'b', 'c', 'd'],
    ])
    expect(JSON.parse(batches[1]![0]!.properties)).toEqual({ id: 'a' })
    await consumer.close()
    await log.close()
  })

  it('hands over a batch read in one go whole and in order', async () => {
    const log = openTestLog(join(dir, 'large'))
    // 1,200 rows in 24 requests of 50, appended before the consumer starts: one read.
    const ids = Array.from({ length: 1200 }, (_, i) => `m-${i}`)
    for (let i = 0; i < ids.length; i += 50) {
      await log.append(ids.slice(i, i + 50).flatMap((id) => record(id)))
    }
    const batches: string[][] = []
    const consumer = new RecordConsumer({
      log,
      name: 'test',
      handle: async (payloads) =>
        void batches.push(
          payloads.flatMap((payload) => decodeEventRows(payload).map((row) => row.message_id)),
        ),
      logger: quietLogger,
    })
    consumer.start()
    await until(() => batches.flat().length === ids.length)
    expect(batches).toEqual([ids])
    await consumer.close()
    await log.close()
  })

  it('with maxLagBytes, retries a failing batch past maxAttempts while little waits behind it, and skips it once more does', async () => {
    const log = openTestLog(join(dir, 'lag'))
    await log.append(record('stuck'))
    let attempts = 0
    const delivered: string[] = []
    const consumer = new RecordConsumer({
      log,
      name: 'test',
      handle: async (payloads) => {
        const ids = payloads.flatMap((payload) => decodeEventRows(payload).map((row) => row.message_id))
        if (ids.includes('stuck')) {
          attempts++
          throw new Error('the other host is out')
        }
        delivered.push(...ids)
      },
      logger: quietLogger,
      maxAttempts: 2,
      maxLagBytes: 16 * 1024,
      retryMinMs: 1,
      retryMaxMs: 5,
    })
    consumer.start()
    await until(() => attempts >= 10)
    expect(delivered).toEqual([])
    // ~90 records of ~400 bytes: the consumer is past 16 KiB behind and gives the batch up (with
    // what its last read of it took in), then goes on.
    for (let i = 0; i < 90; i++) await log.append(record(`later-${i}`))
    await until(() => log.getLag('test').bytes === 0)
    await log.append(record('after'))
    await until(() => delivered.includes('after'))
    expect(delivered).not.toContain('stuck')
    await consumer.close()
    await log.close()
  })

  it('reads a batch anew for each attempt, so a handler may transfer its payloads away', async () => {
    const log = openTestLog(join(dir, 'transfer'))
    await log.append(record('kept'))
    const attempts: string[][] = []
    const { port1, port2 } = new MessageChannel()
    const consumer = new RecordConsumer({
      log,
      name: 'test',
      handle: async (payloads) => {
        attempts.push(payloads.flatMap((payload) => decodeEventRows(payload).map((row) => row.message_id)))
        // Moves the read buffers to another port (they are empty here afterwards), then fails once.
        port1.postMessage(
          payloads,
          payloads.map((payload) => payload.buffer as ArrayBuffer),
        )
        expect(payloads[0]!.length).toBe(0)
        if (attempts.length === 1) throw new Error('fails once')
      },
      logger: quietLogger,
      retryMinMs: 1,
    })
    consumer.start()
    await until(() => attempts.length === 2)
    expect(attempts).toEqual([['kept'], ['kept']])
    await consumer.close()
    await log.close()
    port1.close()
    port2.close()
  })
})
