/**
 * A GDPR erase in a fleet of collectors on one ClickHouse server: each collector publishes how far
 * its log is stored (`collector_watermarks`), and the erase waits until every other collector has
 * stored what it acknowledged before it, so another collector's late insert cannot bring the
 * person's events back; a collector gone for long is not waited for but named in the answer.
 * Over ClickHouse's HTTP interface served on the embedded engine (`helpers/clickhouse-http-server.ts`).
 */
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { readFleet, waitForFleet, FleetNotStoredError } from '../src/store/wait-for-fleet.js'
import { startClickHouseHttp, type ClickHouseHttpServer } from './helpers/clickhouse-http-server.js'
import { pageView } from './helpers/page-view.js'
import { waitFor } from './helpers/start-forwarding-collector.js'
import { keys, postBatch, startCollector, type RunningCollector } from './helpers/start-collector.js'

const USER = 'rastro'
const PASSWORD = 'fleet-gdpr-test'
const owner = { authorization: `Bearer ${keys.secretKey}`, 'content-type': 'application/json' }

let clickhouse: ClickHouseHttpServer
let eraser: RunningCollector
let other: RunningCollector
const enginePath = mkdtempSync(join(tmpdir(), 'rastro-fleet-gdpr-'))

beforeAll(async () => {
  clickhouse = await startClickHouseHttp({ path: enginePath, username: USER, password: PASSWORD })
  const env = { CLICKHOUSE_URL: clickhouse.url, CLICKHOUSE_USER: USER, CLICKHOUSE_PASSWORD: PASSWORD }
  eraser = await startCollector({ env })
  // Its writer inserts every 2.5 s: an event it acknowledged just before an erase is still in its log.
  other = await startCollector({ env, flushIntervalMs: 2500 })
})
afterAll(async () => {
  await other?.stop()
  await eraser?.stop()
  await clickhouse?.close()
  rmSync(enginePath, { recursive: true, force: true })
})

async function eventsOf(anonymousId: string): Promise<string[]> {
  const result = await clickhouse.client.query({
    query: 'SELECT message_id FROM events WHERE anonymous_id = {id:String} ORDER BY message_id',
    query_params: { id: anonymousId },
    format: 'JSONEachRow',
  })
  return (await result.json<{ message_id: string }>()).map((row) => row.message_id)
}

/** Identifies `anonymousId` as `email` on the erasing collector and waits for the contact. */
async function identify(anonymousId: string, email: string): Promise<void> {
  const response = await postBatch(eraser, [
    { type: 'identify', messageId: `${anonymousId}-identify`, anonymousId, traits: { email } },
  ])
  expect(response.status).toBe(200)
  await waitFor('the contact', async () => {
    const found = await fetch(`${eraser.url}/v1/crm/contacts?q=${encodeURIComponent(email)}`, {
      headers: owner,
    })
    return ((await found.json()) as { results: unknown[] }).results.length > 0
  })
}

function erase(email: string): Promise<Response> {
  return fetch(`${eraser.url}/v1/crm/gdpr/delete`, {
    method: 'POST',
    headers: owner,
    body: JSON.stringify({ email }),
  })
}

describe('a GDPR erase in a fleet', () => {
  it('waits for the event another collector acknowledged just before it, and erases it', async () => {
    const visitor = `fleet-visitor-${Date.now()}`
    const email = `${visitor}@example.com`
    await identify(visitor, email)
    expect((await postBatch(other, [pageView(`${visitor}-late`, visitor, '/pricing')])).status).toBe(200)
    // Acknowledged, not inserted yet: the other collector's writer is still waiting for its flush.
    expect(await eventsOf(visitor)).toEqual([`${visitor}-identify`])

    const answer = await erase(email)
    expect(answer.status).toBe(200)
    const body = (await answer.json()) as { erased: Record<string, number>; warnings?: string[] }
    expect(body.erased.events).toBe(2)
    expect(body.warnings).toBeUndefined()
    await other.app.whenStored()
    expect(await eventsOf(visitor)).toEqual([])
  })

  it('does not wait for a collector that stopped with its log inserted', async () => {
    const stopping = await startCollector({
      env: { CLICKHOUSE_URL: clickhouse.url, CLICKHOUSE_USER: USER, CLICKHOUSE_PASSWORD: PASSWORD },
      flushIntervalMs: 60_000,
    })
    const id = stopping.app.ingestLog.id
    expect(
      (await postBatch(stopping, [pageView(`stop-${Date.now()}`, 'stopping-visitor', '/')])).status,
    ).toBe(200)
    await stopping.stop()
    const [row] = (await readFleet(clickhouse.client, eraser.app.ingestLog.id)).filter(
      (collector) => collector.id === id,
    )
    expect(row?.stopped).toBe(true)
    const started = Date.now()
    await waitForFleet(clickhouse.client, {
      self: eraser.app.ingestLog.id,
      since: Date.now(),
      timeoutMs: 10_000,
      goneAfterMs: 600_000,
    })
    // The live collector's next row (every 2 s) is all it waited for.
    expect(Date.now() - started).toBeLessThan(5000)
  })

  it('answers 503 while a collector seen recently has not stored its events, and names it', async () => {
    const now = Date.now()
    await insertWatermark('stuck-collector', now - 1000, now - 60_000)
    const error = await waitForFleet(clickhouse.client, {
      self: eraser.app.ingestLog.id,
      // The live collectors' rows pass it; the stuck one's not.
      since: now - 30_000,
      timeoutMs: 500,
      goneAfterMs: 600_000,
    }).catch((caught: unknown) => caught)
    expect(error).toBeInstanceOf(FleetNotStoredError)
    expect((error as FleetNotStoredError).behind.map((collector) => collector.id)).toEqual([
      'stuck-collector',
    ])
    await forget('stuck-collector')
  })

  it('erases without waiting for a collector gone for long, and names it in the answer', async () => {
    const now = Date.now()
    await insertWatermark('gone-collector', now - 20 * 60_000, now - 21 * 60_000)
    const visitor = `gone-visitor-${Date.now()}`
    const email = `${visitor}@example.com`
    await identify(visitor, email)
    const answer = await erase(email)
    expect(answer.status).toBe(200)
    const body = (await answer.json()) as { erased: Record<string, number>; warnings?: string[] }
    expect(body.erased.events).toBe(1)
    expect(body.warnings).toHaveLength(1)
    expect(body.warnings![0]).toMatch(/^collector gone-collector, last seen .*repeat this erase then$/)
    await forget('gone-collector')
  })
})

async function insertWatermark(id: string, seenAt: number, storedThrough: number): Promise<void> {
  await clickhouse.client.insert({
    table: 'collector_watermarks',
    values: [
      {
        collector_id: id,
        seen_at: new Date(seenAt).toISOString().replace('T', ' ').replace('Z', ''),
        stored_through: new Date(storedThrough).toISOString().replace('T', ' ').replace('Z', ''),
        stopped: 0,
      },
    ],
    format: 'JSONEachRow',
  })
}

async function forget(id: string): Promise<void> {
  await clickhouse.client.command({
    query:
      'ALTER TABLE collector_watermarks DELETE WHERE collector_id = {id:String} SETTINGS mutations_sync = 2',
    query_params: { id },
  })
}
