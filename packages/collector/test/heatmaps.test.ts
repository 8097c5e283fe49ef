/**
 * Heatmaps against the real collector and embedded ClickHouse: `$heatmap` points stored at
 * insert by the materialized view, aggregated by `GET /v1/heatmaps` with the scroll depth of
 * `Page Left` events, and kept out of `/v1/stats` counts.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { keys, queryRows, startCollector, type RunningCollector } from './helpers/start-collector.js'

let collector: RunningCollector

const DESKTOP_UA = 'Mozilla/5.0 (X11; Linux x86_64; rv:140.0) Gecko/20100101 Firefox/140.0'
const IPHONE_UA =
  'Mozilla/5.0 (iPhone; CPU iPhone OS 18_0 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/18.0 Mobile/15E148 Safari/604.1'
const PAGE = 'https://shop.example/p/1'

let seq = 0
const id = (prefix: string) => `${prefix}-${Date.now()}-${++seq}`

async function send(batch: unknown[], options: { key?: string; userAgent?: string } = {}) {
  const response = await fetch(`${collector.url}/v1/batch`, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      authorization: `Basic ${Buffer.from(`${options.key ?? keys.writeKey}:`).toString('base64')}`,
      'user-agent': options.userAgent ?? DESKTOP_UA,
    },
    body: JSON.stringify({ batch }),
  })
  return { status: response.status, body: (await response.json()) as Record<string, any> }
}

async function get(path: string, key = keys.viewerKey) {
  await collector.app.whenStored()
  const response = await fetch(`${collector.url}${path}`, { headers: { authorization: `Bearer ${key}` } })
  return { status: response.status, body: (await response.json()) as Record<string, any> }
}

const point = (x: number, y: number, w: number, s: string, ox: number, oy: number) => ({ x, y, w, s, ox, oy })

function heatmap(points: unknown[], url = `${PAGE}?utm_source=news#reviews`, context: object = {}) {
  return {
    type: 'track',
    event: '$heatmap',
    messageId: id('hm'),
    anonymousId: 'hm-visitor',
    properties: { points, pageHeight: 2400 },
    context: { page: { url }, ...context },
  }
}

function pageLeft(scrollDepth: number, url = PAGE) {
  return {
    type: 'track',
    event: 'Page Left',
    messageId: id('left'),
    anonymousId: 'hm-visitor',
    properties: { scrollDepth, timeOnPageMs: 1000, activeTimeMs: 800, interactions: 2, engagement: 'low' },
    context: { page: { url } },
  }
}

const desktopDuplicate = heatmap([point(105, 42, 1280, 'button.buy', 0.26, 0.5)])

beforeAll(async () => {
  collector = await startCollector()
  const first = await send([
    heatmap([
      point(101, 41, 1280, 'button.buy', 0.24, 0.5),
      point(110, 45, 1440, 'button.buy', 0.26, 0.52),
      point(500, 900, 1280, 'footer a', 0.9, 0.1),
      point(600, 1000, 1280, '', 0, 0),
    ]),
    desktopDuplicate,
    heatmap([point(30, 60, 375, 'button.buy', 0.5, 0.5)]),
    heatmap([point(700, 700, 800, 'nav', 1, 1)]),
    heatmap([point(101, 41, 1280, 'button.buy', 0.25, 0.5)], PAGE, { bot: true }),
    heatmap([point(1, 1, 1280, 'h1', 0.5, 0.5)], 'https://shop.example/p/2'),
    heatmap([point(1, 1, 1280, 'h1', 2, 0.5)]),
    ...[100, 55, 30, 10].map((depth) => pageLeft(depth)),
    pageLeft(100, 'https://shop.example/p/2'),
  ])
  expect(first.status).toBe(200)
  expect(first.body.rejected).toEqual([
    expect.objectContaining({ index: 6, code: 'RASTRO_ERR_EVENT_INVALID', field: 'properties.points.0.ox' }),
  ])
  // A retried request: its events are stored (and counted) once.
  expect((await send([desktopDuplicate])).status).toBe(200)
  expect((await send([pageLeft(80)], { userAgent: IPHONE_UA })).status).toBe(200)
  expect(
    (await send([heatmap([point(101, 41, 1280, 'button.buy', 0.25, 0.5)])], { key: keys.otherWriteKey }))
      .status,
  ).toBe(200)
})
afterAll(async () => {
  await collector?.stop()
})

describe('heatmap_clicks', () => {
  it('holds one row per point, with the page URL cut of its query and fragment and the device class', async () => {
    const rows = await queryRows<{ url: string; device: string; n: string }>(
      collector,
      `SELECT url, device, count() AS n FROM heatmap_clicks FINAL WHERE tenant_id = 'one'
       GROUP BY url, device ORDER BY url, device`,
    )
    expect(rows).toEqual([
      { url: PAGE, device: 'desktop', n: '6' },
      { url: PAGE, device: 'mobile', n: '1' },
      { url: PAGE, device: 'tablet', n: '1' },
      { url: 'https://shop.example/p/2', device: 'desktop', n: '1' },
    ])
  })
})

describe('GET /v1/heatmaps', () => {
  it('aggregates the clicks of a page into grid cells and per-selector offsets, without bots', async () => {
    const { status, body } = await get(`/v1/heatmaps?url=${encodeURIComponent(`${PAGE}?a=1`)}&device=desktop`)
    expect(status).toBe(200)
    expect(body).toMatchObject({
      tenant: 'one',
      url: PAGE,
      device: 'desktop',
      clicks: 5,
      pageHeight: 2400,
      viewportWidth: 1280,
      binPx: 20,
    })
    expect(body.bins).toEqual([
      { x: 100, y: 40, count: 3 },
      { x: 500, y: 900, count: 1 },
      { x: 600, y: 1000, count: 1 },
    ])
    expect(body.selectors).toEqual([
      {
        selector: 'button.buy',
        count: 3,
        offsets: [
          { ox: 0.275, oy: 0.525, count: 2 },
          { ox: 0.225, oy: 0.525, count: 1 },
        ],
      },
      { selector: 'footer a', count: 1, offsets: [{ ox: 0.925, oy: 0.125, count: 1 }] },
    ])
  })

  it('gives the share of page views that reached each 10 % of scroll depth, per device', async () => {
    const desktop = await get(`/v1/heatmaps?url=${encodeURIComponent(PAGE)}`)
    expect(desktop.body.scroll.pageViews).toBe(4)
    expect(desktop.body.scroll.reached.map((step: any) => [step.depth, step.pageViews, step.share])).toEqual([
      [0, 4, 1],
      [10, 4, 1],
      [20, 3, 0.75],
      [30, 3, 0.75],
      [40, 2, 0.5],
      [50, 2, 0.5],
      [60, 1, 0.25],
      [70, 1, 0.25],
      [80, 1, 0.25],
      [90, 1, 0.25],
      [100, 1, 0.25],
    ])
    const mobile = await get(`/v1/heatmaps?url=${encodeURIComponent(PAGE)}&device=mobile`)
    expect(mobile.body).toMatchObject({ clicks: 1, scroll: { pageViews: 1 } })
    expect(mobile.body.scroll.reached[8]).toEqual({ depth: 80, pageViews: 1, share: 1 })
    expect(mobile.body.scroll.reached[9]).toEqual({ depth: 90, pageViews: 0, share: 0 })
  })

  it('includes bots on request, filters by site and binPx, and reads only the key’s tenant', async () => {
    const url = encodeURIComponent(PAGE)
    expect((await get(`/v1/heatmaps?url=${url}&includeBots=true`)).body.clicks).toBe(6)
    expect((await get(`/v1/heatmaps?url=${url}&site=web`)).body.clicks).toBe(5)
    expect((await get(`/v1/heatmaps?url=${url}&site=shop`)).body.clicks).toBe(0)
    expect((await get(`/v1/heatmaps?url=${url}&binPx=1000`)).body.bins).toEqual([
      { x: 0, y: 0, count: 4 },
      { x: 0, y: 1000, count: 1 },
    ])
    expect((await get(`/v1/heatmaps?url=${url}`, keys.otherSecretKey)).body).toMatchObject({
      tenant: 'two',
      clicks: 1,
    })
    const empty = await get(`/v1/heatmaps?url=${url}&from=2020-01-01T00:00:00Z&to=2020-02-01T00:00:00Z`)
    expect(empty.body).toMatchObject({ clicks: 0, bins: [], selectors: [], scroll: { pageViews: 0 } })
  })

  it('keeps negative page coordinates (RTL pages scrolled sideways) in the cell left of 0', async () => {
    const rtl = 'https://shop.example/rtl'
    expect((await send([heatmap([point(-5, 30, 1280, 'nav', 0.5, 0.5)], rtl)])).status).toBe(200)
    const { body } = await get(`/v1/heatmaps?url=${encodeURIComponent(rtl)}`)
    expect(body.bins).toEqual([{ x: -20, y: 20, count: 1 }])
  })

  it('answers 400 naming the parameter, and 401 without a secret key', async () => {
    const url = encodeURIComponent(PAGE)
    for (const [query, field] of [
      ['', 'url'],
      ['?url=not-a-url', 'url'],
      [`?url=${url}&device=phone`, 'device'],
      [`?url=${url}&binPx=0`, 'binPx'],
      [`?url=${url}&site=a%20b`, 'site'],
      [`?url=${url}&from=yesterday`, 'from'],
      [`?url=${url}&from=2026-02-01T00:00:00Z&to=2026-01-01T00:00:00Z`, 'from'],
      [`?url=${url}&color=red`, ''],
    ]) {
      const { status, body } = await get(`/v1/heatmaps${query}`)
      expect(status, query).toBe(400)
      expect(body.error.code).toBe('RASTRO_ERR_QUERY_INVALID')
      if (field) expect(body.error.field, query).toBe(field)
    }
    expect((await get(`/v1/heatmaps?url=${url}`, keys.writeKey)).status).toBe(401)
  })
})

describe('GET /v1/stats', () => {
  it('leaves $heatmap events, and bots (flagged by the client or by user agent) unless includeBots=true, out of the counts', async () => {
    const stats = await get('/v1/stats')
    expect(stats.status).toBe(200)
    expect(stats.body.events.map((row: any) => row.event)).not.toContain('$heatmap')
    // The 6 Page Left events; the bot's heatmap is out twice over.
    expect(stats.body.totals.events).toBe(6)
    expect(stats.body.events).toEqual([{ type: 'track', event: 'Page Left', count: 6 }])
    expect(
      (await send([{ type: 'page', anonymousId: 'bot-1', messageId: id('bot'), context: { bot: true } }]))
        .status,
    ).toBe(200)
    // A crawler's user agent is flagged at ingest (isbot) though the event does not say so.
    const crawler = await send([{ type: 'page', anonymousId: 'bot-2', messageId: id('crawler') }], {
      userAgent: 'Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)',
    })
    expect(crawler.status).toBe(200)
    const withBots = await get('/v1/stats?includeBots=true')
    expect(withBots.body.totals).toMatchObject({ events: 8, pageViews: 2 })
    expect((await get('/v1/stats')).body.totals).toMatchObject({ events: 6, pageViews: 0 })
  })
})
