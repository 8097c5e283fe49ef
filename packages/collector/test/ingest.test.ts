import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { keys, queryRows, startCollector, type RunningCollector } from './helpers/start-collector.js'

let collector: RunningCollector

beforeAll(async () => {
  collector = await startCollector()
})
afterAll(async () => {
  await collector?.stop()
})

function basic(key: string, colon = true): string {
  return `Basic ${Buffer.from(colon ? `${key}:` : key).toString('base64')}`
}

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
function id(prefix: string): string {
  seq += 1
  return `${prefix}-${Date.now()}-${seq}`
}

describe('POST /v1/batch', () => {
  it('stores the good events of a batch and lists the bad ones by index with the field to blame', async () => {
    const good1 = id('good')
    const good2 = id('good')
    const { status, body } = await post('/v1/batch', {
      batch: [
        {
          type: 'track',
          event: 'Product Added',
          anonymousId: 'anon-a',
          messageId: good1,
          properties: { price: 12 },
        },
        { type: 'track', anonymousId: 'anon-a', messageId: id('bad') },
        {
          type: 'page',
          anonymousId: 'anon-a',
          messageId: good2,
          properties: { url: 'https://shop.example/p/1' },
        },
        { type: 'track', event: 'No identity', messageId: id('bad') },
        'not an event',
      ],
    })
    expect(status).toBe(200)
    expect(body.accepted).toBe(2)
    expect(body.rejected).toEqual([
      expect.objectContaining({ index: 1, code: 'RASTRO_ERR_EVENT_INVALID', field: 'event' }),
      expect.objectContaining({ index: 3, code: 'RASTRO_ERR_EVENT_NO_IDENTITY' }),
      expect.objectContaining({ index: 4, code: 'RASTRO_ERR_EVENT_INVALID' }),
    ])
    const rows = await queryRows<{ message_id: string; tenant_id: string; path: string; properties: string }>(
      collector,
      'SELECT message_id, tenant_id, path, properties FROM events WHERE message_id IN {ids:Array(String)} ORDER BY type DESC',
      { ids: [good1, good2] },
    )
    expect(rows).toEqual([
      { message_id: good1, tenant_id: 'one', path: '', properties: '{"price":12}' },
      { message_id: good2, tenant_id: 'one', path: '/p/1', properties: '{"url":"https://shop.example/p/1"}' },
    ])
  })

  it('accepts the write key with or without the colon, or in the body as text/plain (sendBeacon)', async () => {
    const ids = [id('colon'), id('nocolon'), id('body')]
    const event = (messageId: string) => ({
      batch: [{ type: 'track', event: 'Key', anonymousId: 'k', messageId }],
    })
    expect((await post('/v1/batch', event(ids[0]!))).status).toBe(200)
    expect(
      (await post('/v1/batch', event(ids[1]!), { authorization: basic(keys.writeKey, false) })).status,
    ).toBe(200)
    const beacon = await fetch(`${collector.url}/v1/batch`, {
      method: 'POST',
      headers: { 'content-type': 'text/plain;charset=UTF-8' },
      body: JSON.stringify({ ...event(ids[2]!), writeKey: keys.writeKey }),
    })
    expect(beacon.status).toBe(200)
    const rows = await queryRows(
      collector,
      'SELECT count() AS n FROM events WHERE message_id IN {ids:Array(String)}',
      { ids },
    )
    expect(rows).toEqual([{ n: '3' }])
  })

  it('merges the outer context into each event and corrects clock skew from sentAt', async () => {
    const messageId = id('skew')
    // The client's clock is one hour behind: it stamped the event 10 s before sending.
    const clientNow = Date.now() - 3_600_000
    await post('/v1/batch', {
      sentAt: new Date(clientNow).toISOString(),
      context: { library: { name: 'analytics-node', version: '2.0.0' }, locale: 'pt-BR' },
      batch: [
        {
          type: 'track',
          event: 'Skewed',
          anonymousId: 'skew',
          messageId,
          timestamp: new Date(clientNow - 10_000).toISOString(),
          context: { locale: 'es-AR' },
        },
      ],
    })
    const [row] = await queryRows<Record<string, string>>(
      collector,
      `SELECT toUnixTimestamp64Milli(timestamp) AS ts, toUnixTimestamp64Milli(received_at) AS received,
        library_name, locale FROM events WHERE message_id = {id:String}`,
      { id: messageId },
    )
    expect(row!.library_name).toBe('analytics-node')
    expect(row!.locale).toBe('es-AR')
    const lagMs = Number(row!.received) - Number(row!.ts)
    expect(lagMs).toBeGreaterThanOrEqual(9_000)
    expect(lagMs).toBeLessThan(11_000)
  })

  it('parses the user agent, anonymises the IP, and reads page and UTM fields from context', async () => {
    const messageId = id('enrich')
    await post(
      '/v1/batch',
      {
        batch: [
          {
            type: 'track',
            event: 'CTA Clicked',
            anonymousId: 'e',
            messageId,
            context: {
              ip: '2001:db8:85a3:8d3:1319:8a2e:370:7348',
              sessionId: 's-1',
              score: 5,
              page: {
                url: 'https://shop.example/landing?utm_source=newsletter&utm_campaign=nov',
                title: 'Landing',
              },
            },
          },
        ],
      },
      {
        'user-agent':
          'Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.5 Mobile/15E148 Safari/604.1',
      },
    )
    const [row] = await queryRows(
      collector,
      `SELECT ip, browser, os, device_type, path, title, utm_source, utm_campaign, session_id, score
       FROM events WHERE message_id = {id:String}`,
      { id: messageId },
    )
    expect(row).toEqual({
      ip: '2001:db8:85a3::',
      browser: 'Mobile Safari',
      os: 'iOS',
      device_type: 'mobile',
      path: '/landing',
      title: 'Landing',
      utm_source: 'newsletter',
      utm_campaign: 'nov',
      session_id: 's-1',
      score: 5,
    })
  })

  it('answers whole-request problems with a 4xx and a JSON error naming the code', async () => {
    expect(await post('/v1/batch', '{"batch": [')).toMatchObject({
      status: 400,
      body: { error: { code: 'RASTRO_ERR_INGEST_INVALID_JSON' } },
    })
    expect(await post('/v1/batch', { batch: [] })).toMatchObject({
      status: 400,
      body: { error: { code: 'RASTRO_ERR_INGEST_INVALID_BODY', field: 'batch' } },
    })
    expect(await post('/v1/batch', { batch: [{}] }, { authorization: basic('wk_nobody') })).toMatchObject({
      status: 401,
      body: { error: { code: 'RASTRO_ERR_AUTH_INVALID_KEY', field: 'writeKey' } },
    })
    expect(await post('/v1/batch', { batch: [{}] }, { authorization: '' })).toMatchObject({
      status: 401,
      body: { error: { code: 'RASTRO_ERR_AUTH_MISSING_KEY' } },
    })
    // Each message says what to send instead.
    expect(await post('/v1/batch', '<batch/>', { 'content-type': 'application/xml' })).toMatchObject({
      status: 415,
      body: {
        error: {
          code: 'RASTRO_ERR_INGEST_UNSUPPORTED_MEDIA_TYPE',
          field: 'content-type',
          message:
            'content type application/xml is not taken: send application/json, or text/plain holding JSON',
        },
      },
    })
    expect(await post('/v1/batch', '{"batch":[],"__proto__":{"x":1}}')).toMatchObject({
      status: 400,
      body: {
        error: {
          code: 'RASTRO_ERR_INGEST_INVALID_JSON',
          message: 'the body has a "__proto__" or "constructor" key, which is refused',
        },
      },
    })
    const huge = {
      batch: [{ type: 'track', event: 'x', anonymousId: 'a', properties: { blob: 'x'.repeat(600_000) } }],
    }
    expect(await post('/v1/batch', huge)).toMatchObject({
      status: 413,
      body: {
        error: {
          code: 'RASTRO_ERR_INGEST_BODY_TOO_LARGE',
          message: 'the body is over 512000 bytes, the most this endpoint takes (decompressed)',
        },
      },
    })
    expect(
      await post(
        '/v1/batch',
        { batch: [{ type: 'track', event: 'x', anonymousId: 'a' }] },
        { origin: 'http://evil.example' },
      ),
    ).toMatchObject({ status: 403, body: { error: { code: 'RASTRO_ERR_INGEST_ORIGIN_NOT_ALLOWED' } } })
  })

  it('rejects a single oversize event but stores its neighbours', async () => {
    const small = id('small')
    const { status, body } = await post('/v1/batch', {
      batch: [
        { type: 'track', event: 'Big', anonymousId: 'a', properties: { blob: 'x'.repeat(40_000) } },
        { type: 'track', event: 'Small', anonymousId: 'a', messageId: small },
      ],
    })
    expect(status).toBe(200)
    expect(body).toMatchObject({ accepted: 1, rejected: [{ index: 0, code: 'RASTRO_ERR_EVENT_TOO_LARGE' }] })
    expect(
      await queryRows(collector, 'SELECT event FROM events WHERE message_id = {id:String}', { id: small }),
    ).toEqual([{ event: 'Small' }])
  })

  it('lets a browser read a refusal: CORS headers go to every origin, the site decides', async () => {
    const preflight = await fetch(`${collector.url}/v1/batch`, {
      method: 'OPTIONS',
      headers: {
        origin: 'http://evil.example',
        'access-control-request-method': 'POST',
        'access-control-request-headers': 'content-type',
      },
    })
    expect(preflight.status).toBe(204)
    const refused = await fetch(`${collector.url}/v1/batch`, {
      method: 'POST',
      headers: { origin: 'http://evil.example', 'content-type': 'text/plain' },
      body: JSON.stringify({
        writeKey: keys.writeKey,
        batch: [{ type: 'track', event: 'x', anonymousId: 'a' }],
      }),
    })
    expect(refused.status).toBe(403)
    expect(refused.headers.get('access-control-allow-origin')).toBe('http://evil.example')
    expect(refused.headers.get('access-control-expose-headers')).toContain('Retry-After')
  })
})

describe('single-event endpoints', () => {
  it('store a track, a page and an identify call, with the type taken from the path', async () => {
    const ids = { track: id('t'), page: id('p'), identify: id('i') }
    expect(
      (await post('/v1/track', { event: 'Signed Up', userId: 'u-1', messageId: ids.track })).status,
    ).toBe(200)
    expect((await post('/v1/page', { name: 'Home', anonymousId: 'a', messageId: ids.page })).status).toBe(200)
    expect(
      (await post('/v1/identify', { userId: 'u-1', traits: { plan: 'pro' }, messageId: ids.identify }))
        .status,
    ).toBe(200)
    const rows = await queryRows(
      collector,
      'SELECT type, event, name, traits FROM events WHERE message_id IN {ids:Array(String)} ORDER BY type',
      { ids: Object.values(ids) },
    )
    expect(rows).toEqual([
      { type: 'identify', event: '', name: '', traits: '{"plan":"pro"}' },
      { type: 'page', event: '', name: 'Home', traits: '{}' },
      { type: 'track', event: 'Signed Up', name: '', traits: '{}' },
    ])
  })

  it('store a lone surrogate (a \\ud800 escape in the JSON) as U+FFFD, so the id read back is the one acknowledged', async () => {
    const prefix = id('s')
    const body = `{"event":"Odd \\ud800 Name","userId":"u-1","messageId":"${prefix}-\\udfff"}`
    expect((await post('/v1/track', body)).status).toBe(200)
    await collector.app.whenStored()
    const rows = await queryRows(
      collector,
      'SELECT message_id, event, isValidUTF8(message_id) AS valid FROM events WHERE startsWith(message_id, {prefix:String})',
      { prefix },
    )
    expect(rows).toEqual([{ message_id: `${prefix}-\ufffd`, event: 'Odd \ufffd Name', valid: 1 }])
  })

  it('answer 400 naming the field when the event is invalid', async () => {
    expect(await post('/v1/track', { userId: 'u-1' })).toMatchObject({
      status: 400,
      body: { error: { code: 'RASTRO_ERR_EVENT_INVALID', field: 'event' } },
    })
  })
})

describe('GET /v1/stats', () => {
  it("counts only the key's tenant, each retried event once", async () => {
    const messageId = id('dup')
    const event = {
      type: 'page',
      anonymousId: 'stats-visitor',
      messageId,
      context: { sessionId: 'stats-session' },
    }
    await post('/v1/batch', { batch: [event] })
    await post('/v1/batch', { batch: [event] })
    await post(
      '/v1/batch',
      { batch: [{ ...event, messageId: id('other') }] },
      { authorization: basic(keys.otherWriteKey) },
    )
    const stats = async (key: string) => {
      await collector.app.whenStored()
      const response = await fetch(`${collector.url}/v1/stats`, {
        headers: { authorization: `Bearer ${key}` },
      })
      return { status: response.status, body: (await response.json()) as Record<string, any> }
    }
    const two = await stats(keys.otherSecretKey)
    expect(two.status).toBe(200)
    expect(two.body.tenant).toBe('two')
    expect(two.body.totals).toMatchObject({ events: 1, pageViews: 1 })
    const one = await stats(keys.viewerKey)
    expect(one.body.tenant).toBe('one')
    const stored = await queryRows(
      collector,
      'SELECT count() AS n FROM events FINAL WHERE message_id = {id:String}',
      {
        id: messageId,
      },
    )
    expect(stored).toEqual([{ n: '1' }])
    const pageViews = await queryRows<{ n: string }>(
      collector,
      "SELECT count() AS n FROM events FINAL WHERE tenant_id = 'one' AND type = 'page'",
    )
    expect(one.body.totals.pageViews).toBe(Number(pageViews[0]!.n))
  })

  it('refuses missing, unknown and write keys, and a bad range', async () => {
    const get = (headers: Record<string, string>, query = '') =>
      fetch(`${collector.url}/v1/stats${query}`, { headers }).then(async (r) => ({
        status: r.status,
        body: await r.json(),
      }))
    expect(await get({})).toMatchObject({
      status: 401,
      body: { error: { code: 'RASTRO_ERR_AUTH_MISSING_KEY' } },
    })
    expect(await get({ authorization: `Bearer ${keys.writeKey}` })).toMatchObject({ status: 401 })
    expect(await get({ authorization: `Bearer ${keys.secretKey}` }, '?from=yesterday')).toMatchObject({
      status: 400,
      body: { error: { code: 'RASTRO_ERR_QUERY_INVALID', field: 'from' } },
    })
  })
})

describe('POST /v1/admin/sql', () => {
  const sql = (query: unknown, key = keys.adminKey) =>
    fetch(`${collector.url}/v1/admin/sql`, {
      method: 'POST',
      headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
      body: JSON.stringify({ query }),
    }).then(async (r) => ({ status: r.status, body: (await r.json()) as Record<string, any> }))

  it('runs read-only SQL and refuses writes, without leaving the store read-only', async () => {
    expect(await sql('SELECT 1 + 1 AS two')).toEqual({ status: 200, body: { data: [{ two: 2 }] } })
    expect(await sql('DROP TABLE events')).toMatchObject({
      status: 400,
      body: { error: { code: 'RASTRO_ERR_QUERY_FAILED' } },
    })
    expect(await sql("INSERT INTO events (tenant_id) VALUES ('x')")).toMatchObject({ status: 400 })
    const after = id('after-readonly')
    expect((await post('/v1/track', { event: 'After', anonymousId: 'a', messageId: after })).status).toBe(200)
    await collector.app.whenStored()
    expect(await sql(`SELECT event FROM events WHERE message_id = '${after}'`)).toEqual({
      status: 200,
      body: { data: [{ event: 'After' }] },
    })
  })

  it('needs the admin key', async () => {
    expect(await sql('SELECT 1', keys.secretKey)).toMatchObject({ status: 401 })
    expect(await sql('')).toMatchObject({ status: 400, body: { error: { field: 'query' } } })
  })
})

describe('health', () => {
  it('reports ClickHouse ready', async () => {
    const response = await fetch(`${collector.url}/health/ready`)
    expect(response.status).toBe(200)
    expect(await response.json()).toMatchObject({ status: 'ok', clickhouse: { ok: true, kind: 'embedded' } })
    expect((await fetch(`${collector.url}/health/live`)).status).toBe(200)
  })
})
