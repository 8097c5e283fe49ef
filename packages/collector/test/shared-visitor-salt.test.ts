/**
 * Cookieless visitor ids in a fleet on a ClickHouse server: the day's salt lives in
 * `visitor_salts`, so two collectors give a visitor one id; tomorrow's salt is agreed before the
 * day begins; past salts are deleted; a collector that cannot reach ClickHouse still answers.
 * Over ClickHouse's HTTP interface served on the embedded engine (`helpers/clickhouse-http-server.ts`).
 */
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createServerClient } from '@rastro/crm-api'
import { SharedVisitorSalt } from '../src/ingest/shared-visitor-salt.js'
import { startClickHouseHttp, type ClickHouseHttpServer } from './helpers/clickhouse-http-server.js'
import { postBatch, queryRows, startCollector, type RunningCollector } from './helpers/start-collector.js'

const USER = 'rastro'
const PASSWORD = 'salt-test'
const DAY_MS = 86_400_000
const quiet = { warn: () => undefined }

let clickhouse: ClickHouseHttpServer
const collectors: RunningCollector[] = []
const enginePath = mkdtempSync(join(tmpdir(), 'rastro-salt-'))

beforeAll(async () => {
  clickhouse = await startClickHouseHttp({ path: enginePath, username: USER, password: PASSWORD })
  const env = { CLICKHOUSE_URL: clickhouse.url, CLICKHOUSE_USER: USER, CLICKHOUSE_PASSWORD: PASSWORD }
  // One after the other: the second runs the migrations the first has applied.
  collectors.push(await startCollector({ env }))
  collectors.push(await startCollector({ env }))
})
afterAll(async () => {
  for (const collector of collectors) await collector.stop()
  await clickhouse?.close()
  rmSync(enginePath, { recursive: true, force: true })
})

/** A salt of its own over the test server, on a clock the test moves. */
function createSalt(clock: { now: number }) {
  const client = createServerClient({ url: clickhouse.url, username: USER, password: PASSWORD })
  return {
    client,
    salt: new SharedVisitorSalt({ client, logger: quiet, now: () => clock.now }),
  }
}

async function saltDays(): Promise<number[]> {
  const result = await clickhouse.client.query({
    query: 'SELECT DISTINCT day FROM visitor_salts ORDER BY day',
    format: 'JSONEachRow',
  })
  return (await result.json<{ day: number }>()).map((row) => Number(row.day))
}

describe('the shared visitor salt', () => {
  it('gives a visitor one id on every collector of the fleet', async () => {
    const messageIds = collectors.map((_, i) => `salt-${Date.now()}-${i}`)
    for (const [i, collector] of collectors.entries()) {
      const response = await postBatch(collector, [
        { type: 'page', messageId: messageIds[i], context: { cookieless: true } },
      ])
      expect(response.status).toBe(200)
    }
    const rows = await queryRows<{ anonymous_id: string }>(
      collectors[1]!,
      'SELECT anonymous_id FROM events WHERE message_id IN {ids:Array(String)}',
      { ids: messageIds },
    )
    expect(rows).toHaveLength(2)
    expect(rows[0]!.anonymous_id).toMatch(/^cl_/)
    expect(rows[1]!.anonymous_id).toBe(rows[0]!.anonymous_id)
  })

  it('agrees on tomorrow’s salt before the day begins, and deletes past ones', async () => {
    const today = Math.floor(Date.now() / DAY_MS) + 10
    const clock = { now: today * DAY_MS + 12 * 3_600_000 }
    const a = createSalt(clock)
    const b = createSalt(clock)
    await a.salt.refresh()
    await b.salt.refresh()
    expect(b.salt.get(clock.now)).toEqual(a.salt.get(clock.now))

    // Half an hour before midnight: both offer a salt for tomorrow and read the same smallest one.
    clock.now = (today + 1) * DAY_MS - 1_800_000
    await a.salt.refresh()
    await b.salt.refresh()
    const todays = Buffer.from(a.salt.get(clock.now))
    const tomorrow = (today + 1) * DAY_MS + 60_000
    expect(a.salt.get(tomorrow)).toEqual(b.salt.get(tomorrow))
    expect(a.salt.get(tomorrow)).not.toEqual(todays)

    // The next day: yesterday's salt is gone from ClickHouse and from memory.
    clock.now = tomorrow
    await a.salt.refresh()
    expect((await saltDays()).filter((day) => day >= today)).toEqual([today + 1])
    expect((await saltDays()).every((day) => day > today)).toBe(true)
    expect(a.salt.get(today * DAY_MS + 12 * 3_600_000)).toEqual(a.salt.get(tomorrow))
    await Promise.all([a.client.close(), b.client.close()])
  })

  it('answers with a salt of its own while ClickHouse is out, then takes the agreed one', async () => {
    const day = Math.floor(Date.now() / DAY_MS) + 20
    const clock = { now: day * DAY_MS + 3_600_000 }
    const a = createSalt(clock)
    await a.salt.refresh()
    await clickhouse.stop()
    const b = createSalt(clock)
    try {
      await b.salt.start()
      const own = Buffer.from(b.salt.get(clock.now))
      expect(own).toHaveLength(32)
      expect(own).not.toEqual(a.salt.get(clock.now))
    } finally {
      await clickhouse.start()
    }
    await b.salt.refresh()
    expect(b.salt.get(clock.now)).toEqual(a.salt.get(clock.now))
    b.salt.stop()
    await Promise.all([a.client.close(), b.client.close()])
  })
})
