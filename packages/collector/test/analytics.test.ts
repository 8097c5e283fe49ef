/**
 * The web analytics API and the dashboard's session, against the real collector on the embedded
 * ClickHouse: events are sent through the HTTP Tracking API as the browser and server SDKs send
 * them, then read back as the dashboard reads them.
 */
import { randomUUID } from 'node:crypto'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { ConfigFile } from '../src/index.js'
import { keys, startCollector, testConfig, type RunningCollector } from './helpers/start-collector.js'

let collector: RunningCollector
const HOUR = 3_600_000
/** Two hours ago: inside a default range of 7 days and within one day bucket. */
const base = Date.now() - 2 * HOUR
const config: ConfigFile = {
  ...testConfig,
  tenants: [
    { ...testConfig.tenants[0]!, timeZone: 'Europe/Madrid', currency: 'EUR' },
    testConfig.tenants[1]!,
  ],
}

function web(anonymousId: string, sessionId: string, offsetMs: number, event: Record<string, unknown>) {
  const path = (event.path as string | undefined) ?? '/'
  const { path: _path, referrer, utm, bot, conversion, ip, ...rest } = event
  return {
    messageId: randomUUID(),
    anonymousId,
    timestamp: new Date(base + offsetMs).toISOString(),
    context: {
      sessionId,
      locale: 'es-ES',
      page: { url: `https://shop.example${path}`, path, referrer: referrer ?? '' },
      ...(utm ? { campaign: utm } : {}),
      ...(bot ? { bot: true } : {}),
      ...(conversion ? { conversion } : {}),
      ...(ip ? { ip } : {}),
    },
    ...rest,
    ...(rest.type === 'page' ? { properties: { path, url: `https://shop.example${path}` } } : {}),
  }
}

async function send(batch: unknown[]): Promise<void> {
  const response = await fetch(`${collector.url}/v1/batch`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', origin: 'http://allowed.example' },
    body: JSON.stringify({ writeKey: keys.writeKey, batch }),
  })
  expect(response.status).toBe(200)
  expect(((await response.json()) as { errors?: unknown[] }).errors ?? []).toEqual([])
}

async function get<T = any>(path: string, auth: { key?: string; cookie?: string } = { key: keys.secretKey }) {
  const response = await fetch(`${collector.url}${path}`, {
    headers: auth.key ? { authorization: `Bearer ${auth.key}` } : auth.cookie ? { cookie: auth.cookie } : {},
  })
  return { status: response.status, body: (await response.json()) as T }
}

beforeAll(async () => {
  collector = await startCollector({ config })
  await send([
    // Visitor A: lands from a campaign, views two pages, buys (Order Completed, which also matched a
    // conversion rule: one conversion, revenue counted once).
    web('a', 'sa', 0, {
      type: 'page',
      path: '/',
      utm: { source: 'newsletter', medium: 'email', name: 'spring' },
      // RIPE NCC's block (NL); the browser language stays es-ES, which no longer decides the country.
      ip: '193.0.0.1',
    }),
    web('a', 'sa', 60_000, { type: 'page', path: '/shop' }),
    web('a', 'sa', 90_000, {
      type: 'track',
      event: 'Order Completed',
      properties: { revenue: 42.5, currency: 'EUR' },
      conversion: { rule: 'purchase', value: 42.5, currency: 'EUR' },
    }),
    web('a', 'sa', 90_001, {
      type: 'track',
      event: 'Conversion',
      properties: { rule: 'purchase', value: 42.5, currency: 'EUR', event: 'Order Completed' },
    }),
    web('a', 'sa', 120_000, {
      type: 'track',
      event: 'Web Vital',
      properties: { name: 'LCP', value: 1200, rating: 'good' },
    }),
    // Visitor B: one page from a search engine, a web vital and Page Left only: a bounce.
    web('b', 'sb', 10_000, {
      type: 'page',
      path: '/',
      referrer: 'https://www.google.com/search?q=coffee',
      ip: '8.8.8.8',
    }),
    web('b', 'sb', 11_000, {
      type: 'track',
      event: 'Web Vital',
      properties: { name: 'LCP', value: 5000, rating: 'poor' },
    }),
    web('b', 'sb', 40_000, { type: 'track', event: 'Page Left', properties: { timeOnPageMs: 30_000 } }),
    // A lead conversion of another currency: counted, its value not added (no FX).
    web('a', 'sa', 100_000, {
      type: 'track',
      event: 'Conversion',
      properties: { rule: 'lead', value: 10, currency: 'USD', event: 'Lead Created' },
    }),
    // A bot: never counted.
    web('bot', 'sbot', 5_000, { type: 'page', path: '/', bot: true }),
    web('bot', 'sbot', 6_000, { type: 'page', path: '/shop', bot: true }),
  ])
  await collector.app.whenStored()
})
afterAll(async () => {
  await collector?.stop()
})

describe('analytics API', () => {
  it('answers the overview with totals, the previous period and a series in the tenant time zone', async () => {
    const { status, body } = await get('/v1/analytics/overview')
    expect(status).toBe(200)
    expect(body.current).toEqual({
      visitors: 2,
      sessions: 2,
      pageViews: 3,
      bounceRate: 0.5,
      avgSessionSeconds: (120 + 30) / 2,
      conversions: 2,
      revenue: 42.5,
    })
    expect(body.previous.visitors).toBe(0)
    expect(body.timeZone).toBe('Europe/Madrid')
    expect(body.interval).toBe('day')
    // 7 days in the tenant's time zone: 8 day starts (the first partial), at Madrid midnight.
    expect(body.series.length).toBeGreaterThanOrEqual(7)
    const hour = Number(
      new Intl.DateTimeFormat('en-GB', {
        timeZone: 'Europe/Madrid',
        hour: 'numeric',
        hourCycle: 'h23',
      }).format(body.series[0].t * 1000),
    )
    expect(hour).toBe(0)
    expect(body.series.reduce((sum: number, point: any) => sum + point.pageViews, 0)).toBe(3)
  })

  it('answers a custom range against the period of equal length just before it', async () => {
    // [base + 10 s, base + 20 s): visitor B's session started in it; visitor A's started in the 10 s before.
    const from = new Date(base + 10_000).toISOString()
    const to = new Date(base + 20_000).toISOString()
    const { status, body } = await get(`/v1/analytics/overview?from=${from}&to=${to}`)
    expect(status).toBe(200)
    expect(body).toMatchObject({ from, to, interval: 'hour' })
    expect(body.current).toMatchObject({ visitors: 1, sessions: 1, pageViews: 1 })
    expect(body.previous).toMatchObject({ visitors: 1, sessions: 1, pageViews: 1 })
  })

  it('refuses a range that ends before it starts, is longer than two years, or has a bad date, naming the field', async () => {
    const day = (offset: number) => new Date(base + offset * 86_400_000).toISOString()
    for (const [query, field] of [
      [`from=${day(0)}&to=${day(-1)}`, 'from'],
      [`from=${day(0)}&to=${day(0)}`, 'from'],
      [`from=${day(-732)}&to=${day(0)}`, 'from'],
      [`from=${day(0)}&to=2026-13-01`, 'to'],
    ] as const) {
      const { status, body } = await get(`/v1/analytics/overview?${query}`)
      expect(status).toBe(400)
      expect(body.error).toMatchObject({ code: 'RASTRO_ERR_QUERY_INVALID', field })
    }
  })

  it('answers breakdowns: pages, entry and exit pages, sources, campaigns, countries', async () => {
    const by = async (name: string) =>
      (await get(`/v1/analytics/breakdown?by=${name}`)).body.breakdowns[0].results
    expect(await by('pages')).toEqual([
      { value: '/', visitors: 2, count: 2 },
      { value: '/shop', visitors: 1, count: 1 },
    ])
    expect((await by('urls'))[0]).toEqual({ value: 'https://shop.example/', visitors: 2, count: 2 })
    expect(await by('entry')).toEqual([{ value: '/', visitors: 2, count: 2 }])
    expect(await by('exit')).toEqual([
      { value: '/', visitors: 1, count: 1 },
      { value: '/shop', visitors: 1, count: 1 },
    ])
    expect(await by('sources')).toEqual([
      { value: 'newsletter', visitors: 1, count: 1 },
      { value: 'www.google.com', visitors: 1, count: 1 },
    ])
    expect(await by('campaigns')).toEqual([{ value: 'newsletter / email / spring', visitors: 1, count: 1 }])
    expect(await by('countries')).toEqual([
      { value: 'NL', visitors: 1, count: 1 },
      { value: 'US', visitors: 1, count: 1 },
    ])
    const both = await get('/v1/analytics/breakdown?by=devices,browsers')
    expect(both.body.breakdowns.map((breakdown: any) => breakdown.breakdown)).toEqual(['devices', 'browsers'])
    const bad = await get('/v1/analytics/breakdown?by=pages,planets')
    expect(bad.status).toBe(400)
    expect(bad.body.error.field).toMatch(/^by/)
  })

  it('answers a funnel with conversion and drop-off', async () => {
    const response = await fetch(`${collector.url}/v1/analytics/funnel`, {
      method: 'POST',
      headers: { authorization: `Bearer ${keys.secretKey}`, 'content-type': 'application/json' },
      body: JSON.stringify({ steps: [{ path: '/' }, { path: '/sh*' }, { event: 'Order Completed' }] }),
    })
    const body = (await response.json()) as any
    expect(body.steps.map((step: any) => [step.visitors, step.conversion, step.dropOff])).toEqual([
      [2, 1, 0],
      [1, 0.5, 0.5],
      [1, 0.5, 0],
    ])
  })

  it('answers web vitals p75 with their bands, overall and per page', async () => {
    const { body } = await get('/v1/analytics/web-vitals')
    const overall = body.results.find((row: any) => row.path === null && row.metric === 'LCP')
    // p75 of 1200 and 5000 ms (linear interpolation): 4050 ms, poor (> 4000 ms).
    expect(overall).toMatchObject({ samples: 2, good: 0.5, poor: 0.5, p75: 4050, rating: 'poor' })
    expect(body.results.filter((row: any) => row.path === '/' && row.metric === 'LCP')).toHaveLength(1)
  })

  it('counts visitors of the last 5 minutes', async () => {
    await send([
      { ...web('c', 'sc', 0, { type: 'page', path: '/now' }), timestamp: new Date().toISOString() },
    ])
    await collector.app.whenStored()
    const { body } = await get('/v1/analytics/live')
    expect(body).toEqual({ visitors: 1, pages: [{ path: '/now', visitors: 1 }] })
  })

  it('refuses a request without a key', async () => {
    const { status } = await get('/v1/analytics/overview', {})
    expect(status).toBe(401)
  })
})

describe('dashboard session', () => {
  it('serves the built dashboard at /app/', async () => {
    const page = await fetch(`${collector.url}/app/`)
    expect(page.status).toBe(200)
    expect(await page.text()).toContain('/app/assets/')
    const bare = await fetch(`${collector.url}/app`, { redirect: 'manual' })
    expect(bare.headers.get('location')).toBe('/app/')
  })

  async function signIn(key: string): Promise<{ status: number; cookie: string; body: any }> {
    const response = await fetch(`${collector.url}/app/api/session`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ key }),
    })
    const setCookie = response.headers.get('set-cookie') ?? ''
    return { status: response.status, cookie: setCookie.split(';')[0]!, body: await response.json() }
  }

  it('signs in with a secret key into an httpOnly, SameSite=Strict cookie that never holds the key', async () => {
    const response = await fetch(`${collector.url}/app/api/session`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ key: keys.secretKey }),
    })
    expect(response.status).toBe(200)
    const setCookie = response.headers.get('set-cookie')!
    expect(setCookie).toMatch(/^rastro_session=[\w-]{43}; Path=\/; HttpOnly; SameSite=Strict; Max-Age=43200$/)
    expect(setCookie).not.toContain(keys.secretKey)
    const body = (await response.json()) as any
    expect(body).toMatchObject({
      role: 'owner',
      tenant: { id: 'one', timeZone: 'Europe/Madrid', currency: 'EUR' },
    })
    expect(JSON.stringify(body)).not.toContain(keys.secretKey)
  })

  it('refuses an unknown key, naming the field', async () => {
    const { status, body } = await signIn('sk_not_a_key_of_anyone')
    expect(status).toBe(401)
    expect(body.error.field).toBe('key')
  })

  it('authenticates the analytics, destinations and CRM APIs with the cookie, and signs out', async () => {
    const { cookie } = await signIn(keys.secretKey)
    expect((await get('/app/api/session', { cookie })).body.role).toBe('owner')
    expect((await get('/v1/analytics/overview', { cookie })).body.current.pageViews).toBeGreaterThanOrEqual(3)
    expect((await get('/v1/destinations', { cookie })).status).toBe(200)
    expect((await get('/v1/crm/contacts', { cookie })).status).toBe(200)
    const out = await fetch(`${collector.url}/app/api/session`, { method: 'DELETE', headers: { cookie } })
    expect(out.status).toBe(204)
    expect(out.headers.get('set-cookie')).toContain('Max-Age=0')
    expect((await get('/v1/analytics/overview', { cookie })).status).toBe(401)
    expect((await get('/v1/crm/contacts', { cookie })).status).toBe(401)
  })

  it("keeps a viewer's session read-only, and refuses writes from another origin", async () => {
    const viewer = await signIn(keys.viewerKey)
    expect(viewer.body.role).toBe('viewer')
    const write = (cookie: string, origin?: string) =>
      fetch(`${collector.url}/v1/crm/contacts`, {
        method: 'POST',
        headers: { cookie, 'content-type': 'application/json', ...(origin ? { origin } : {}) },
        body: JSON.stringify({ email: 'x@example.com' }),
      })
    expect((await write(viewer.cookie)).status).toBe(403)
    const owner = await signIn(keys.secretKey)
    expect((await write(owner.cookie, 'https://evil.example')).status).toBe(401)
    expect((await write(owner.cookie, collector.url)).status).toBe(201)
  })
})
