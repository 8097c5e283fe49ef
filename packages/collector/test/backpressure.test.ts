import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { keys, queryRows, startCollector, type RunningCollector } from './helpers/start-collector.js'

let collector: RunningCollector

beforeAll(async () => {
  collector = await startCollector({ settings: { maxLogBytes: 256 * 1024, segmentBytes: 16 * 1024 } })
})
afterAll(async () => {
  await collector?.stop()
})

const headers = {
  'content-type': 'application/json',
  authorization: `Basic ${Buffer.from(`${keys.writeKey}:`).toString('base64')}`,
}

let seq = 0
async function sendBatch(acked: string[]) {
  const ids = Array.from({ length: 50 }, () => `bp-${++seq}`)
  const response = await fetch(`${collector.url}/v1/batch`, {
    method: 'POST',
    headers,
    body: JSON.stringify({
      batch: ids.map((messageId) => ({
        type: 'track',
        event: 'Backpressure',
        anonymousId: 'bp',
        messageId,
        properties: { padding: 'x'.repeat(200) },
      })),
    }),
  })
  if (response.ok) acked.push(...ids)
  return {
    status: response.status,
    retryAfter: response.headers.get('retry-after'),
    body: await response.json(),
  }
}

const ready = async () => {
  const response = await fetch(`${collector.url}/health/ready`)
  return { status: response.status, body: (await response.json()) as Record<string, any> }
}

describe('ClickHouse unavailable, then back', () => {
  it('keeps acknowledging into the log, answers 503 + Retry-After at the disk bound, then stores every acked event once', async () => {
    const acked: string[] = []
    expect((await sendBatch(acked)).status).toBe(200)
    await collector.app.whenStored()
    // The CRM feed too has read the log: from here on the writer alone holds segments back (a
    // feed still behind would free room when it caught up, and ingest would accept again).
    for (let i = 0; collector.app.ingestLog.getLag('crm').bytes > 0; i++) {
      expect(i).toBeLessThan(1000)
      await new Promise((resolve) => setTimeout(resolve, 10))
    }
    // ClickHouse loses the table: every insert fails until it is back.
    await collector.app.store.client.command({ query: 'RENAME TABLE events TO events_away' })
    // Until an insert has failed, one that started before the rename may still succeed and
    // make room in the log.
    expect((await sendBatch(acked)).status).toBe(200)
    for (let i = 0; (await ready()).body.ingest.writer.ok; i++) {
      expect(i).toBeLessThan(1000)
      await new Promise((resolve) => setTimeout(resolve, 10))
    }
    let refused: Awaited<ReturnType<typeof sendBatch>> | undefined
    for (let i = 0; i < 200 && !refused; i++) {
      const answer = await sendBatch(acked)
      if (answer.status !== 200) refused = answer
    }
    expect(refused).toMatchObject({
      status: 503,
      retryAfter: '5',
      body: { error: { code: 'RASTRO_ERR_INGEST_BACKLOG_FULL' } },
    })
    expect(acked.length).toBeGreaterThan(100)
    const full = await ready()
    expect(full.status).toBe(503)
    expect(full.body.ingest).toMatchObject({
      accepting: false,
      refusal: 'RASTRO_ERR_INGEST_BACKLOG_FULL',
      writer: { ok: false },
      consumers: expect.arrayContaining([
        { name: 'clickhouse', lagBytes: expect.any(Number), lagSeconds: expect.any(Number) },
      ]),
    })
    const writerLag = full.body.ingest.consumers.find(
      (consumer: { name: string }) => consumer.name === 'clickhouse',
    )
    expect(writerLag.lagBytes).toBeGreaterThan(100_000)
    const metrics = await (await fetch(`${collector.url}/metrics`)).text()
    expect(metrics).toMatch(/^rastro_store_clickhouse_errors_total\{type="UNKNOWN_TABLE"\} [1-9]/m)

    await collector.app.store.client.command({ query: 'RENAME TABLE events_away TO events' })
    await collector.app.whenStored(40_000)
    expect((await ready()).status).toBe(200)
    expect((await sendBatch(acked)).status).toBe(200)
    const rows = await queryRows<{ message_id: string; n: string }>(
      collector,
      "SELECT message_id, count() AS n FROM events WHERE startsWith(message_id, 'bp-') GROUP BY message_id",
    )
    expect(rows.length).toBe(acked.length)
    expect(rows.every((row) => row.n === '1')).toBe(true)
    expect(new Set(rows.map((row) => row.message_id))).toEqual(new Set(acked))
  }, 90_000)
})
