import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import {
  keys,
  queryRows,
  startCollector,
  testConfig,
  type RunningCollector,
} from './helpers/start-collector.js'

let collector: RunningCollector

const limitedKey = 'wk_test_rate_limited'

beforeAll(async () => {
  collector = await startCollector({
    config: {
      ...testConfig,
      tenants: [
        ...testConfig.tenants,
        {
          id: 'limited',
          enrichment: { parseUserAgent: false, detectBots: false },
          sites: [{ id: 'web', writeKey: limitedKey, rateLimit: { requestsPerSecond: 1, burstRequests: 2 } }],
        },
      ],
    },
  })
})
afterAll(async () => {
  await collector?.stop()
})

const basic = (key: string) => `Basic ${Buffer.from(`${key}:`).toString('base64')}`

async function post(path: string, body: unknown, headers: Record<string, string> = {}) {
  const response = await fetch(`${collector.url}${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: basic(keys.writeKey), ...headers },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  })
  return {
    status: response.status,
    headers: response.headers,
    body: (await response.json()) as Record<string, any>,
  }
}

let seq = 0
const id = (prefix: string) => `${prefix}-${Date.now()}-${++seq}`

describe('exactly once', () => {
  it('stores a retried messageId once, even across requests and within one batch (no FINAL needed)', async () => {
    const messageId = id('retry')
    const event = { type: 'track', event: 'Paid', anonymousId: 'r', messageId }
    const first = await post('/v1/batch', { batch: [event, event] })
    const second = await post('/v1/batch', { batch: [{ ...event, timestamp: new Date().toISOString() }] })
    expect(first.body).toMatchObject({ accepted: 2, rejected: [] })
    expect(second.status).toBe(200)
    const rows = await queryRows(
      collector,
      'SELECT count() AS n FROM events WHERE message_id = {id:String}',
      {
        id: messageId,
      },
    )
    expect(rows).toEqual([{ n: '1' }])
    // The same messageId in another tenant is another event.
    await post('/v1/batch', { batch: [event] }, { authorization: basic(keys.otherWriteKey) })
    const tenants = await queryRows(
      collector,
      'SELECT tenant_id FROM events WHERE message_id = {id:String} ORDER BY tenant_id',
      { id: messageId },
    )
    expect(tenants).toEqual([{ tenant_id: 'one' }, { tenant_id: 'two' }])
  })
})

describe('enrichment', () => {
  it("flags a crawler's user agent as a bot, but not a server SDK's own user agent", async () => {
    const crawler = id('crawler')
    const server = id('server')
    await post(
      '/v1/track',
      { event: 'Seen', anonymousId: 'b', messageId: crawler },
      { 'user-agent': 'Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)' },
    )
    await post(
      '/v1/track',
      { event: 'Seen', anonymousId: 'b', messageId: server },
      { 'user-agent': 'analytics-node/2.0' },
    )
    const rows = await queryRows(
      collector,
      'SELECT message_id = {crawler:String} AS crawler, bot FROM events WHERE message_id IN ({crawler:String}, {server:String}) ORDER BY crawler',
      { crawler, server },
    )
    expect(rows).toEqual([
      { crawler: 0, bot: 0 },
      { crawler: 1, bot: 1 },
    ])
  })

  it("follows the tenant's enrichment settings", async () => {
    const messageId = id('plain')
    const response = await fetch(`${collector.url}/v1/track`, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        authorization: basic(limitedKey),
        'user-agent': 'Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)',
      },
      body: JSON.stringify({ event: 'Seen', anonymousId: 'p', messageId }),
    })
    expect(response.status).toBe(200)
    const [row] = await queryRows(
      collector,
      'SELECT browser, bot FROM events WHERE message_id = {id:String}',
      {
        id: messageId,
      },
    )
    expect(row).toEqual({ browser: '', bot: 0 })
  })
})

describe('limits', () => {
  it('answers 429 with Retry-After past the write key rate limit', async () => {
    const statuses: number[] = []
    let retryAfter: string | null = null
    for (let i = 0; i < 4; i++) {
      const response = await fetch(`${collector.url}/v1/track`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: basic(limitedKey) },
        body: JSON.stringify({ event: 'Burst', anonymousId: 'l' }),
      })
      statuses.push(response.status)
      if (response.status === 429) {
        retryAfter = response.headers.get('retry-after')
        expect(await response.json()).toMatchObject({ error: { code: 'RASTRO_ERR_INGEST_RATE_LIMITED' } })
      }
    }
    expect(statuses.filter((status) => status === 429).length).toBeGreaterThanOrEqual(1)
    expect(Number(retryAfter)).toBeGreaterThanOrEqual(1)
  })

  it('rejects an event nested too deeply or with an impossible time, keeping its neighbours', async () => {
    // 20,000 levels in 100 KB: JSON.parse takes it, serialising it overflows the stack.
    const deep = `${'{"a":'.repeat(20_000)}1${'}'.repeat(20_000)}`
    const good = id('beside-deep')
    const others = [
      { type: 'track', event: 'Future', anonymousId: 'd', timestamp: '9999-01-01T00:00:00Z' },
      { type: 'track', event: 'Fine', anonymousId: 'd', messageId: good },
    ]
    const { status, body } = await post(
      '/v1/batch',
      `{"batch":[{"type":"track","event":"Deep","anonymousId":"d","properties":${deep}},${others.map((event) => JSON.stringify(event)).join(',')}]}`,
    )
    expect(status).toBe(200)
    expect(body).toMatchObject({
      accepted: 1,
      rejected: [
        { index: 0, code: 'RASTRO_ERR_EVENT_INVALID' },
        { index: 1, code: 'RASTRO_ERR_EVENT_INVALID', field: 'timestamp' },
      ],
    })
    expect(
      await queryRows(collector, 'SELECT event FROM events WHERE message_id = {id:String}', { id: good }),
    ).toEqual([{ event: 'Fine' }])
  })
})

describe('observability', () => {
  it('serves Prometheus metrics: events, ack latency, step timings, log size and consumer lag', async () => {
    for (let i = 0; i < 20; i++) await post('/v1/track', { event: 'Metered', anonymousId: 'm' })
    await collector.app.whenStored()
    const response = await fetch(`${collector.url}/metrics`)
    expect(response.headers.get('content-type')).toContain('text/plain')
    const text = await response.text()
    expect(text).toMatch(/^rastro_ingest_events_accepted_total \d+/m)
    expect(text).toMatch(/^rastro_ingest_events_duplicate_total [1-9]/m)
    expect(text).toMatch(/^rastro_ingest_events_rejected_total\{code="RASTRO_ERR_EVENT_INVALID"\} [1-9]/m)
    expect(text).toMatch(/^rastro_ingest_ack_seconds_count [1-9]/m)
    expect(text).toMatch(/^rastro_ingest_step_seconds_count\{step="validateEnvelope"\} [1-9]/m)
    expect(text).toMatch(
      /^rastro_ingest_requests_refused_total\{code="RASTRO_ERR_INGEST_RATE_LIMITED"\} [1-9]/m,
    )
    expect(text).toMatch(/^rastro_log_bytes [1-9]/m)
    expect(text).toMatch(/^rastro_log_consumer_lag_bytes\{consumer="clickhouse"\} 0/m)
    expect(text).toMatch(/^rastro_store_inserted_rows_total [1-9]/m)
    expect(text).toMatch(/^rastro_store_insert_seconds_count [1-9]/m)
    expect(text).toMatch(/^process_resident_memory_bytes/m)
  })

  it('reports the log and the writer in /health/ready', async () => {
    const response = await fetch(`${collector.url}/health/ready`)
    expect(response.status).toBe(200)
    expect(await response.json()).toMatchObject({
      status: 'ok',
      ingest: {
        accepting: true,
        logBytes: expect.any(Number),
        // The ClickHouse writer and the CRM feed each read the log with their own cursor.
        consumers: [
          { name: 'clickhouse', lagBytes: expect.any(Number), lagSeconds: expect.any(Number) },
          { name: 'crm', lagBytes: expect.any(Number), lagSeconds: expect.any(Number) },
        ],
        writer: { ok: true },
      },
      clickhouse: { ok: true },
    })
  })
})
