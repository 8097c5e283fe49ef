/**
 * The Segment HTTP Tracking API as Segment's own Node library speaks it: the real
 * `@segment/analytics-node`, pointed at the collector by host and write key only, and the endpoints,
 * encodings and answers that other Segment-compatible clients use.
 */
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { deflateSync, gzipSync } from 'node:zlib'
import { Analytics } from '@segment/analytics-node'
import Fastify from 'fastify'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { configSchema } from '../src/config/config-schema.js'
import { KeyRing } from '../src/config/key-ring.js'
import { ingestRoutes } from '../src/ingest/ingest-routes.js'
import { VisitorIds } from '../src/ingest/visitor-ids.js'
import { VisitorSalt } from '../src/ingest/visitor-salt.js'
import { handleError } from '../src/util/error-handler.js'
import { createZipBomb } from './fixtures/create-zip-bomb.js'
import {
  keys,
  queryRows,
  startCollector,
  testConfig,
  type RunningCollector,
} from './helpers/start-collector.js'

let collector: RunningCollector

beforeAll(async () => {
  collector = await startCollector()
})
afterAll(async () => {
  await collector?.stop()
})

const auth = `Basic ${Buffer.from(`${keys.writeKey}:`).toString('base64')}`

async function post(path: string, body: string | Buffer, headers: Record<string, string> = {}) {
  const response = await fetch(`${collector.url}${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: auth, ...headers },
    body,
  })
  return { status: response.status, headers: response.headers, body: (await response.json()) as any }
}

let seq = 0
function id(prefix: string): string {
  seq += 1
  return `${prefix}-${Date.now()}-${seq}`
}

describe('@segment/analytics-node pointed at the collector', () => {
  it('stores every call type exactly once, with its fields and node-next-… message ids', async () => {
    const userId = id('segment-user')
    const analytics = new Analytics({ writeKey: keys.writeKey, host: collector.url, flushInterval: 50 })
    const sent: any[] = []
    analytics.on('http_request', (request) => sent.push(...JSON.parse(request.body).batch))
    const failures: unknown[] = []
    analytics.on('error', (error) => failures.push(error))

    const before = Date.now()
    analytics.track({ userId, event: 'Order Completed', properties: { order_id: 'o-1', value: 25.5 } })
    analytics.identify({ userId, traits: { email: 'ana@example.com', plan: 'pro' } })
    analytics.page({ userId, name: 'Checkout', properties: { url: 'https://shop.example/checkout' } })
    analytics.screen({ userId, name: 'Cart' })
    analytics.group({ userId, groupId: 'acme', traits: { seats: 12 } })
    analytics.alias({ userId, previousId: `${userId}-anon` })
    await analytics.closeAndFlush({ timeout: 10_000 })
    const after = Date.now()

    expect(failures).toEqual([])
    expect(sent).toHaveLength(6)
    for (const event of sent) expect(event.messageId).toMatch(/^node-next-\d{13}-[0-9a-f-]{36}$/)

    const rows = await queryRows<Record<string, string>>(
      collector,
      `SELECT message_id, type, event, name, user_id, properties, traits, library_name,
        toUnixTimestamp64Milli(timestamp) AS ts, url
       FROM events WHERE user_id = {userId:String} ORDER BY type`,
      { userId },
    )
    // Without FINAL: a second copy of any event would show here.
    expect(rows.map((row) => row.message_id).sort()).toEqual(sent.map((event) => event.messageId).sort())
    const byType = Object.fromEntries(rows.map((row) => [row.type, row]))
    expect(byType.track).toMatchObject({
      event: 'Order Completed',
      properties: '{"order_id":"o-1","value":25.5}',
    })
    expect(byType.identify).toMatchObject({ traits: '{"email":"ana@example.com","plan":"pro"}' })
    expect(byType.page).toMatchObject({ name: 'Checkout', url: 'https://shop.example/checkout' })
    expect(byType.screen).toMatchObject({ name: 'Cart' })
    expect(byType.group).toMatchObject({ properties: '{"groupId":"acme"}', traits: '{"seats":12}' })
    expect(byType.alias).toMatchObject({ properties: `{"previousId":"${userId}-anon"}` })
    for (const row of rows) {
      expect(row.library_name).toBe('@segment/analytics-node')
      expect(Number(row.ts)).toBeGreaterThanOrEqual(before - 1_000)
      expect(Number(row.ts)).toBeLessThanOrEqual(after + 1_000)
    }
  })
})

describe('the Segment endpoints', () => {
  it('store screen, group and alias calls sent one by one, and batches sent to /v1/import', async () => {
    const userId = id('single')
    const ids = { screen: id('s'), group: id('g'), alias: id('a'), imported: id('i') }
    const send = (path: string, body: object) => post(path, JSON.stringify(body))
    expect(await send('/v1/screen', { userId, name: 'Home', messageId: ids.screen })).toMatchObject({
      status: 200,
      body: { accepted: 1 },
    })
    expect((await send('/v1/group', { userId, groupId: 'g-1', messageId: ids.group })).status).toBe(200)
    expect((await send('/v1/alias', { userId, previousId: 'old', messageId: ids.alias })).status).toBe(200)
    expect(
      await send('/v1/import', {
        batch: [{ type: 'track', event: 'Imported', userId, messageId: ids.imported }],
      }),
    ).toMatchObject({ status: 200, body: { accepted: 1, rejected: [] } })
    expect(await send('/v1/group', { userId })).toMatchObject({
      status: 400,
      body: { error: { code: 'RASTRO_ERR_EVENT_INVALID', field: 'groupId' } },
    })
    const rows = await queryRows(
      collector,
      'SELECT type, event, name, properties FROM events WHERE user_id = {userId:String} ORDER BY type',
      { userId },
    )
    expect(rows).toEqual([
      { type: 'alias', event: '', name: '', properties: '{"previousId":"old"}' },
      { type: 'group', event: '', name: '', properties: '{"groupId":"g-1"}' },
      { type: 'screen', event: '', name: 'Home', properties: '{}' },
      { type: 'track', event: 'Imported', name: '', properties: '{}' },
    ])
  })

  it('decode gzip and deflate bodies', async () => {
    const ids = [id('gzip'), id('deflate'), id('identity')]
    const body = (messageId: string) =>
      JSON.stringify({ batch: [{ type: 'track', event: 'Compressed', anonymousId: 'z', messageId }] })
    expect(await post('/v1/batch', gzipSync(body(ids[0]!)), { 'content-encoding': 'gzip' })).toMatchObject({
      status: 200,
      body: { accepted: 1 },
    })
    expect(
      await post('/v1/batch', deflateSync(body(ids[1]!)), { 'content-encoding': 'Deflate' }),
    ).toMatchObject({ status: 200, body: { accepted: 1 } })
    expect(await post('/v1/batch', body(ids[2]!), { 'content-encoding': 'identity' })).toMatchObject({
      status: 200,
      body: { accepted: 1 },
    })
    const rows = await queryRows(
      collector,
      'SELECT count() AS n FROM events WHERE message_id IN {ids:Array(String)}',
      { ids },
    )
    expect(rows).toEqual([{ n: '3' }])
  })

  it('answer a zip bomb with 413, and corrupt or unknown encodings with a 4xx', async () => {
    // 256 MiB of spaces gzip to ~250 KiB: under the 500 KiB wire limit, far over it decompressed.
    const bomb = await createZipBomb(256, '{"batch":[')
    expect(bomb.length).toBeLessThan(500 * 1024)
    expect(await post('/v1/batch', bomb, { 'content-encoding': 'gzip' })).toMatchObject({
      status: 413,
      body: { error: { code: 'RASTRO_ERR_INGEST_BODY_TOO_LARGE' } },
    })
    const event = JSON.stringify({ event: 'x', anonymousId: 'a', properties: { blob: 'y'.repeat(40_000) } })
    expect(await post('/v1/track', gzipSync(event), { 'content-encoding': 'gzip' })).toMatchObject({
      status: 413,
      body: { error: { code: 'RASTRO_ERR_INGEST_BODY_TOO_LARGE' } },
    })
    expect(
      await post('/v1/batch', Buffer.from('not gzip at all'), { 'content-encoding': 'gzip' }),
    ).toMatchObject({ status: 400, body: { error: { code: 'RASTRO_ERR_INGEST_INVALID_BODY' } } })
    expect(await post('/v1/batch', '{"batch":[]}', { 'content-encoding': 'br' })).toMatchObject({
      status: 415,
      body: { error: { code: 'RASTRO_ERR_INGEST_UNSUPPORTED_ENCODING' } },
    })
    // The collector still serves the next request.
    const after = id('after-bomb')
    expect(
      (await post('/v1/track', JSON.stringify({ event: 'After', anonymousId: 'a', messageId: after })))
        .status,
    ).toBe(200)
  })
})

describe('answers that tell a client to come back later', () => {
  it('503 with Retry-After when the events cannot be stored', async () => {
    const app = Fastify({ logger: false })
    app.setErrorHandler(handleError)
    const { tenants } = configSchema.parse(testConfig)
    const failingSink = {
      write: () => Promise.reject(new Error('ClickHouse is down')),
      close: () => Promise.resolve(),
    }
    const dataDir = mkdtempSync(join(tmpdir(), 'rastro-compat-'))
    await app.register(ingestRoutes, {
      keyRing: new KeyRing(tenants, undefined),
      sink: failingSink,
      visitorIds: new VisitorIds({ salt: new VisitorSalt(dataDir) }),
    })
    const response = await app.inject({
      method: 'POST',
      url: '/v1/batch',
      headers: { 'content-type': 'application/json', authorization: auth },
      payload: { batch: [{ type: 'track', event: 'Lost?', anonymousId: 'a' }] },
    })
    await app.close()
    rmSync(dataDir, { recursive: true, force: true })
    expect(response.statusCode).toBe(503)
    expect(response.headers['retry-after']).toBe('5')
    expect(response.json()).toMatchObject({ error: { code: 'RASTRO_ERR_STORE_UNAVAILABLE' } })
  })
})
