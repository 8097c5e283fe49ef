/**
 * @rastro/node against the real collector on the embedded ClickHouse, through a recording proxy
 * that can play a collector that is down, rate-limited or size-limited. "Exactly once" is checked
 * twice: every messageId is in exactly one 2xx-answered request, and ClickHouse holds it.
 */
import { execFile } from 'node:child_process'
import { promisify } from 'node:util'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { orderCompleted, Rastro, type RastroNodeError, type RastroOptions } from '../src/index.js'
import { queryRows, startCollector, WRITE_KEY, type RunningCollector } from './helpers/start-collector.js'
import { startProxy, type Proxy } from './helpers/start-proxy.js'

let collector: RunningCollector
const clients: Rastro[] = []
const proxies: Proxy[] = []

beforeAll(async () => {
  collector = await startCollector()
})
afterAll(async () => {
  await Promise.all(clients.map((client) => client.shutdown({ timeout: 1_000 })))
  await Promise.all(proxies.map((proxy) => proxy.stop()))
  await collector?.stop()
})

async function createProxy(options: { listening?: boolean } = {}): Promise<Proxy> {
  const proxy = await startProxy(collector.url, options)
  proxies.push(proxy)
  return proxy
}

function createClient(host: string, options: Partial<RastroOptions> = {}) {
  const errors: RastroNodeError[] = []
  const client = new Rastro({ writeKey: WRITE_KEY, host, onError: (error) => errors.push(error), ...options })
  clients.push(client)
  return { client, errors }
}

let seq = 0
function id(prefix: string): string {
  seq += 1
  return `${prefix}-${Date.now()}-${seq}`
}

/** Distinct message ids stored for a user, after dedup (FINAL). */
async function countStored(userId: string): Promise<number> {
  const [row] = await queryRows<{ n: string }>(
    collector,
    'SELECT count() AS n FROM events FINAL WHERE user_id = {userId:String}',
    { userId },
  )
  return Number(row!.n)
}

/** Every message id acknowledged by the collector exactly once. */
function expectEachOnce(proxy: Proxy, messageIds: string[]): void {
  const acknowledged = proxy.acknowledged()
  const counts = messageIds.map((messageId) => acknowledged.get(messageId) ?? 0)
  expect(counts.filter((count) => count !== 1)).toEqual([])
  expect(acknowledged.size).toBe(messageIds.length)
}

describe('delivery to the collector', () => {
  it('stores every call type with its fields, the ids from the browser and a UUID v7 messageId', async () => {
    const proxy = await createProxy()
    const { client, errors } = createClient(proxy.url, { flushAt: 100, flushInterval: 50 })
    const userId = id('user')
    const browser = {
      anonymousId: 'a1b2c3d4-0000-4000-8000-000000000001',
      context: {
        ip: '203.0.113.77',
        userAgent:
          'Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0.0.0 Safari/537.36',
        sessionId: '019a0000-0000-7000-8000-00000000abcd',
        fbp: 'fb.1.1700000000000.123456789',
        fbc: 'fb.1.1700000000000.IwAR2F4-dbP0l7Mn',
      },
    }
    const before = Date.now()
    const ids = {
      track: client.track({ ...browser, userId, event: 'Plan Upgraded', properties: { plan: 'pro' } }),
      identify: client.identify({ userId, traits: { email: 'ana@example.com' } }),
      page: client.page({ userId, name: 'Pricing', properties: { url: 'https://shop.example/pricing' } }),
      screen: client.screen({ userId, name: 'Cart' }),
      group: client.group({ userId, groupId: 'acme', traits: { seats: 3 } }),
      alias: client.alias({ userId, previousId: browser.anonymousId }),
      order: client.track(
        orderCompleted(
          { order_id: 'o-1', currency: 'eur', products: [{ product_id: 'beans', price: 12.5, quantity: 2 }] },
          { ...browser, userId, traits: { email: 'ana@example.com' } },
        ),
      ),
    }
    await client.flush()
    const after = Date.now()
    expect(errors).toEqual([])
    for (const messageId of Object.values(ids))
      expect(messageId).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/)
    expectEachOnce(proxy, Object.values(ids))

    const rows = await queryRows<Record<string, string>>(
      collector,
      `SELECT message_id, type, event, name, anonymous_id, session_id, ip, browser, properties, traits,
        library_name, library_version, toUnixTimestamp64Milli(timestamp) AS ts,
        JSONExtractString(context, 'fbp') AS fbp, JSONExtractString(context, 'fbc') AS fbc,
        JSONExtractString(context, 'traits', 'email') AS email
       FROM events WHERE user_id = {userId:String}`,
      { userId },
    )
    const byId = new Map(rows.map((row) => [row.message_id, row]))
    expect(rows).toHaveLength(7)
    expect(byId.get(ids.track)).toMatchObject({
      type: 'track',
      event: 'Plan Upgraded',
      properties: '{"plan":"pro"}',
      anonymous_id: browser.anonymousId,
      session_id: browser.context.sessionId,
      ip: '203.0.113.0',
      browser: 'Chrome',
      fbp: browser.context.fbp,
      fbc: browser.context.fbc,
    })
    expect(byId.get(ids.identify)).toMatchObject({ type: 'identify', traits: '{"email":"ana@example.com"}' })
    expect(byId.get(ids.page)).toMatchObject({ type: 'page', name: 'Pricing' })
    expect(byId.get(ids.screen)).toMatchObject({ type: 'screen', name: 'Cart' })
    expect(byId.get(ids.group)).toMatchObject({ properties: '{"groupId":"acme"}', traits: '{"seats":3}' })
    expect(byId.get(ids.alias)).toMatchObject({ properties: `{"previousId":"${browser.anonymousId}"}` })
    expect(byId.get(ids.order)).toMatchObject({ event: 'Order Completed', email: 'ana@example.com' })
    expect(JSON.parse(byId.get(ids.order)!.properties!)).toEqual({
      order_id: 'o-1',
      currency: 'EUR',
      value: 25,
      revenue: 25,
      products: [{ product_id: 'beans', price: 12.5, quantity: 2 }],
    })
    for (const row of rows) {
      expect(row).toMatchObject({ library_name: '@rastro/node', library_version: '0.1.0' })
      expect(Number(row.ts)).toBeGreaterThanOrEqual(before - 1_000)
      expect(Number(row.ts)).toBeLessThanOrEqual(after + 1_000)
    }
    // Bodies over 1 KiB go gzipped, and the collector reads them.
    expect(proxy.requests.map((request) => request.contentEncoding)).toContain('gzip')
  })

  it('keeps events while the collector is down and delivers each once when it is back', async () => {
    const proxy = await createProxy({ listening: false })
    const { client, errors } = createClient(proxy.url, { flushAt: 50 })
    const userId = id('outage')
    const ids = Array.from({ length: 500 }, (_, i) =>
      client.track({ userId, event: 'During Outage', properties: { i } }),
    )
    await new Promise((resolve) => setTimeout(resolve, 1_000))
    expect(proxy.requests).toEqual([])
    await proxy.start()
    await client.flush()
    expect(errors).toEqual([])
    expectEachOnce(proxy, ids)
    expect(await countStored(userId)).toBe(500)
  })

  it('waits as long as a 429 Retry-After says, for that batch and every other', async () => {
    const proxy = await createProxy()
    const { client, errors } = createClient(proxy.url, { flushAt: 10 })
    const userId = id('limited')
    proxy.answerNext(1, 429, { 'retry-after': '1' })
    const ids = Array.from({ length: 10 }, () => client.track({ userId, event: 'First Batch' }))
    const flushed = client.flush()
    // The second batch comes once the 429 is answered (and read: 200 ms), so the client knows of it;
    // a fixed wait from the flush failed once on a loaded machine, the 429 not yet back.
    while (proxy.requests.length === 0) await new Promise((resolve) => setTimeout(resolve, 10))
    await new Promise((resolve) => setTimeout(resolve, 200))
    ids.push(...Array.from({ length: 10 }, () => client.track({ userId, event: 'Second Batch' })))
    await Promise.all([flushed, client.flush()])
    expect(errors).toEqual([])
    const [limited, ...later] = proxy.requests
    expect(limited!.status).toBe(429)
    expect(later.length).toBeGreaterThanOrEqual(2)
    // Backoff alone would retry within 250 ms; nothing left before the second was over.
    for (const request of later) expect(request.at - limited!.at).toBeGreaterThanOrEqual(990)
    expectEachOnce(proxy, ids)
    expect(await countStored(userId)).toBe(20)
  })

  it('shutdown() delivers everything queued, then refuses new calls', async () => {
    const proxy = await createProxy()
    const { client, errors } = createClient(proxy.url, { flushAt: 2_500, flushInterval: 60_000 })
    const userId = id('shutdown')
    const ids: string[] = []
    for (let i = 0; i < 800; i += 1) {
      ids.push(client.track({ userId, event: 'Queued', properties: { i } }))
      ids.push(client.page({ userId, name: `Page ${i}` }))
      ids.push(client.identify({ userId, traits: { i } }))
    }
    expect(client.queueSize).toBe(2_400)
    expect(proxy.requests).toEqual([])
    await client.shutdown()
    expect(client.queueSize).toBe(0)
    expectEachOnce(proxy, ids)
    expect(await countStored(userId)).toBe(2_400)
    expect(errors).toEqual([])
    client.track({ userId, event: 'Too Late' })
    expect(errors.map((error) => error.code)).toEqual(['RASTRO_ERR_NODE_CLOSED'])
    expect(errors[0]!.events[0]).toMatchObject({ event: 'Too Late' })
  })

  it('lets a script that awaits shutdown() deliver everything, then exit by itself', async () => {
    const userId = id('script')
    const script = `
      import { Rastro } from ${JSON.stringify(new URL('../dist/index.js', import.meta.url).href)}
      const rastro = new Rastro({ writeKey: ${JSON.stringify(WRITE_KEY)}, host: ${JSON.stringify(collector.url)} })
      for (let i = 0; i < 250; i += 1) rastro.track({ userId: ${JSON.stringify(userId)}, event: 'From Script' })
      await rastro.shutdown()
    `
    await promisify(execFile)(process.execPath, ['--input-type=module', '-e', script])
    expect(await countStored(userId)).toBe(250)
  })

  it('delivers a 40,000-event burst complete, with the default options', async () => {
    const proxy = await createProxy()
    const { client, errors } = createClient(proxy.url)
    const userId = id('burst')
    const ids: string[] = []
    for (let i = 0; i < 40_000; i += 1)
      ids.push(client.track({ userId, event: 'Burst', properties: { i, sku: `sku-${i % 100}` } }))
    await client.flush()
    expect(errors).toEqual([])
    expectEachOnce(proxy, ids)
    // Large batches (≤ 2,500 events), not 2,000 requests of flushAt = 20.
    expect(proxy.requests.length).toBeLessThan(100)
    expect(await countStored(userId)).toBe(40_000)
  })
})

describe('what is dropped, and why', () => {
  it('reports a 4xx that no retry can fix once, without retrying', async () => {
    const proxy = await createProxy()
    const errors: RastroNodeError[] = []
    const client = new Rastro({
      writeKey: 'wk_nobody_knows',
      host: proxy.url,
      onError: (e) => errors.push(e),
    })
    clients.push(client)
    client.track({ userId: 'u', event: 'Lost' })
    await client.flush()
    expect(proxy.requests).toHaveLength(1)
    expect(errors).toMatchObject([
      {
        code: 'RASTRO_ERR_NODE_REQUEST_REJECTED',
        status: 401,
        collectorCode: 'RASTRO_ERR_AUTH_INVALID_KEY',
        events: [{ event: 'Lost' }],
      },
    ])
  })

  it('reports the events the collector rejects and stores their neighbours', async () => {
    const proxy = await createProxy()
    const { client, errors } = createClient(proxy.url)
    const userId = id('rejected')
    client.track({ userId, event: 'Good' })
    client.track({ userId, event: 'Bad Score', context: { score: 99 } })
    await client.flush()
    expect(errors).toMatchObject([
      {
        code: 'RASTRO_ERR_NODE_EVENT_REJECTED',
        collectorCode: 'RASTRO_ERR_EVENT_INVALID',
        field: 'context.score',
        events: [{ event: 'Bad Score' }],
      },
    ])
    expect(await countStored(userId)).toBe(1)
  })

  it('checks calls before queueing them', async () => {
    const { client, errors } = createClient('http://127.0.0.1:9')
    client.track({ event: 'No Identity' })
    client.track({ userId: 'u' } as any)
    client.group({ userId: 'u' } as any)
    client.track({ userId: 'u', event: 'Big', properties: { blob: 'x'.repeat(40_000) } })
    client.track({ userId: 'u', event: 'Bad Time', timestamp: new Date('nope') })
    expect(errors.map((error) => [error.code, error.field])).toEqual([
      ['RASTRO_ERR_NODE_EVENT_INVALID', 'userId'],
      ['RASTRO_ERR_NODE_EVENT_INVALID', 'event'],
      ['RASTRO_ERR_NODE_EVENT_INVALID', 'groupId'],
      ['RASTRO_ERR_NODE_EVENT_TOO_LARGE', undefined],
      ['RASTRO_ERR_NODE_EVENT_INVALID', 'timestamp'],
    ])
    expect(client.queueSize).toBe(0)
  })

  it("emits 'error', and without any handler warns once per code", async () => {
    const client = new Rastro({ writeKey: WRITE_KEY, host: 'http://127.0.0.1:9' })
    clients.push(client)
    const warnings: Error[] = []
    const onWarning = (warning: Error) => warnings.push(warning)
    process.on('warning', onWarning)
    client.track({ event: 'No Identity' })
    client.track({ event: 'No Identity Either' })
    await new Promise((resolve) => setTimeout(resolve, 20))
    process.off('warning', onWarning)
    expect(warnings).toMatchObject([{ code: 'RASTRO_ERR_NODE_EVENT_INVALID' }])
    const emitted: RastroNodeError[] = []
    client.on('error', (error) => emitted.push(error))
    client.track({ event: 'Heard' })
    expect(emitted).toMatchObject([{ code: 'RASTRO_ERR_NODE_EVENT_INVALID', events: [{ event: 'Heard' }] }])
  })

  it('drops what does not fit maxQueueSize, and a batch whose retries run out', async () => {
    const proxy = await createProxy({ listening: false })
    const { client, errors } = createClient(proxy.url, { maxQueueSize: 3, maxRetries: 1, flushAt: 10 })
    for (let i = 0; i < 4; i += 1) client.track({ userId: 'u', event: `E${i}` })
    await client.flush()
    expect(errors.map((error) => [error.code, error.events.map((event) => event.event)])).toEqual([
      ['RASTRO_ERR_NODE_QUEUE_FULL', ['E3']],
      ['RASTRO_ERR_NODE_RETRIES_EXHAUSTED', ['E0', 'E1', 'E2']],
    ])
  })

  it('halves a batch a proxy refuses as too large until it passes', async () => {
    const proxy = await createProxy()
    proxy.maxBodyBytes = 20_000
    const { client, errors } = createClient(proxy.url, { gzip: false, flushAt: 200 })
    const userId = id('split')
    const ids = Array.from({ length: 200 }, (_, i) =>
      client.track({ userId, event: 'Split', properties: { i, pad: 'p'.repeat(200) } }),
    )
    await client.flush()
    expect(errors).toEqual([])
    expect(proxy.requests.filter((request) => request.status === 413).length).toBeGreaterThan(0)
    expectEachOnce(proxy, ids)
    expect(await countStored(userId)).toBe(200)
  })

  it('shutdown({ timeout }) gives up on time and reports what it could not deliver', async () => {
    const proxy = await createProxy({ listening: false })
    const { client, errors } = createClient(proxy.url, { flushAt: 5 })
    for (let i = 0; i < 12; i += 1) client.track({ userId: 'u', event: 'Never Sent' })
    const began = Date.now()
    await client.shutdown({ timeout: 300 })
    expect(Date.now() - began).toBeLessThan(5_000)
    expect(errors.every((error) => error.code === 'RASTRO_ERR_NODE_SHUTDOWN_TIMEOUT')).toBe(true)
    expect(errors.flatMap((error) => error.events)).toHaveLength(12)
  })
})
