/**
 * The script-tag build's default plugins in a real Chromium, against the real collector: SPA page
 * views, autocapture (named clicks, outbound links, downloads, rage and dead clicks, scroll
 * milestones, forms), conversion rules, Core Web Vitals and heatmaps, read back from ClickHouse.
 * Test pages are served at the collector's origin (the site's allowed origin) by request routing.
 */
import type { Browser, BrowserContext, Page } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { closeBrowser, launchChromium } from './helpers/launch-chromium.js'
import { demoKeys, startCollector, waitFor, type RunningCollector } from './helpers/start-collector.js'

let collector: RunningCollector
let browser: Browser

beforeAll(async () => {
  ;[collector, browser] = await Promise.all([startCollector(), launchChromium()])
})
afterAll(async () => {
  await closeBrowser(browser)
  await collector?.stop()
})

interface Row {
  message_id: string
  type: string
  event: string
  path: string
  url: string
  score: number
  engagement: string
  properties: Record<string, any>
  context: Record<string, any>
}

/** A page that loads `/rastro.js` from the collector and calls `init` with `options` (JS source). */
function html(body: string, options = '{}'): string {
  return `<!doctype html><html><head><meta charset="utf-8"><title>Capture test</title></head>
<body>${body}
<script src="/rastro.js"></script>
<script>rastro.init(Object.assign({ writeKey: '${demoKeys.writeKey}', host: location.origin }, ${options}))</script>
</body></html>`
}

/** Opens `path` (under `/capture/`) in a fresh context, serving `body` for every `/capture/` URL. */
async function open(
  path: string,
  body: string,
): Promise<{ context: BrowserContext; page: Page; scripts: string[] }> {
  const context = await browser.newContext({ viewport: { width: 1280, height: 800 } })
  await context.route(`${collector.origin}/capture/**`, (route) =>
    route.fulfill({ contentType: 'text/html; charset=utf-8', body }),
  )
  const page = await context.newPage()
  const scripts: string[] = []
  page.on('request', (request) => {
    if (request.resourceType() == 'script') scripts.push(new URL(request.url()).pathname)
  })
  await page.goto(`${collector.origin}/capture/${path}`)
  await page.waitForFunction(() => typeof (window as any).rastro?.flush === 'function')
  return { context, page, scripts }
}

/** Sends what the page queued and waits until the collector has stored it. */
async function flush(page: Page): Promise<void> {
  await page.evaluate(() => (window as any).rastro.flush())
  await collector.app.whenStored()
}

/** Stored events whose page path starts with `/capture/<prefix>`, oldest first. */
async function rows(prefix: string): Promise<Row[]> {
  const stored = await collector.rows<
    Omit<Row, 'properties' | 'context'> & { properties: string; context: string }
  >(
    `SELECT message_id, type, event, path, url, score, engagement, properties, context
     FROM events FINAL WHERE tenant_id = 'demo' AND startsWith(path, {prefix:String})
     ORDER BY timestamp, received_at`,
    { prefix: `/capture/${prefix}` },
  )
  return stored.map((row) => ({
    ...row,
    properties: JSON.parse(row.properties),
    context: JSON.parse(row.context),
  }))
}

/** Runs `history.back()`/`forward()` (or anything that fires popstate) and waits for it. */
async function popstate(page: Page, go: 'back' | 'forward'): Promise<void> {
  await page.evaluate(
    (go) =>
      new Promise<void>((resolve) => {
        addEventListener('popstate', () => setTimeout(resolve, 50), { once: true })
        history[go]()
      }),
    go,
  )
}

describe('browser capture plugins', () => {
  it('sends exactly one page view per URL change across pushState, replaceState, hash routes and back/forward', async () => {
    const { context, page } = await open('spa/', html('<main style="height:3000px">SPA</main>'))
    const base = `${collector.origin}/capture/spa`
    await page.evaluate(() => {
      history.pushState({}, '', '/capture/spa/a')
      history.pushState({ again: true }, '', '/capture/spa/a') // same URL: no page view
      history.replaceState({}, '', '/capture/spa/b') // path-changing replaceState
      history.replaceState({ scroll: 1 }, '') // state only: no page view
    })
    await page.evaluate(
      () =>
        new Promise((resolve) => {
          addEventListener('hashchange', resolve, { once: true })
          location.hash = '#details' // an in-page anchor: no page view
        }),
    )
    await page.evaluate(
      () =>
        new Promise((resolve) => {
          addEventListener('hashchange', resolve, { once: true })
          location.hash = '#/cart' // a hash route: a page view
        }),
    )
    await popstate(page, 'back') // to b#details
    await popstate(page, 'back') // to b (same page as b#details: none)
    await popstate(page, 'back') // to a
    await popstate(page, 'forward') // to b

    // Page views and Page Left events can come in different requests, stored by different inserts:
    // wait for both. Each look first sends what the page queued since: on a loaded machine the last
    // navigation's events may be queued after a first flush (a CI run lost them to the tab's close).
    const stored = await waitFor(async () => {
      await flush(page)
      const all = await rows('spa')
      const views = all.filter((row) => row.type == 'page').length
      const lefts = all.filter((row) => row.event == 'Page Left').length
      return views >= 7 && lefts >= 6 ? all : undefined
    })
    await context.close()
    const pageViews = stored.filter((row) => row.type == 'page')
    expect(pageViews.map((row) => row.url)).toEqual([
      `${base}/`,
      `${base}/a`,
      `${base}/b`,
      `${base}/b#/cart`,
      `${base}/b#details`,
      `${base}/a`,
      `${base}/b`,
    ])
    expect(pageViews.every((row) => row.score == 2 && row.engagement != '')).toBe(true)
    // Each SPA navigation closed the page view it left with one Page Left for that page.
    const left = stored.filter((row) => row.event == 'Page Left')
    expect(left.length).toBeGreaterThanOrEqual(6)
    expect(left.slice(0, 6).map((row) => row.url)).toEqual(pageViews.slice(0, 6).map((row) => row.url))
    expect(left[0]!.properties).toMatchObject({
      timeOnPageMs: expect.any(Number),
      activeTimeMs: expect.any(Number),
      scrollDepth: expect.any(Number),
      interactions: 0,
      engagement: 'low',
    })
  })

  it('records named clicks with data-rastro-* properties, outbound links and downloads, and nothing inside data-rastro-ignore', async () => {
    const { context, page } = await open(
      'clicks/',
      html(
        `
        <button id="hero" data-rastro-event="CTA Clicked" data-rastro-cta="hero" data-rastro-price="9.5">Order <b>now</b></button>
        <a id="out" href="https://partner.example/menu">Partner</a>
        <a id="pdf" href="/files/menu.pdf">Menu (PDF)</a>
        <a id="home" href="/capture/clicks/#top">Home</a>
        <div data-rastro-ignore><button id="private">Private</button></div>
        <script>document.addEventListener('click', (e) => { if (e.target.closest('a')) e.preventDefault() })</script>`,
        // These clicks change nothing on purpose: no Dead Click may join them on a slow machine.
        '{ autocapture: { deadClicks: false } }',
      ),
    )
    for (const id of ['hero', 'out', 'pdf', 'home', 'private']) await page.click(`#${id}`)
    await flush(page)
    await context.close()

    const clicks = await waitFor(async () => {
      const tracked = (await rows('clicks')).filter(
        (row) => row.type == 'track' && !['Page Left', 'Web Vital'].includes(row.event),
      )
      return tracked.length >= 4 ? tracked : undefined
    })
    expect(clicks.map((row) => [row.event, row.score])).toEqual([
      ['CTA Clicked', 5],
      ['Outbound Link Clicked', 3],
      ['File Downloaded', 6],
      ['Element Clicked', 1],
    ])
    expect(clicks[0]!.properties).toEqual({
      tag: 'button',
      text: 'Order now',
      id: 'hero',
      cta: 'hero',
      price: 9.5,
    })
    expect(clicks[1]!.properties).toMatchObject({ href: 'https://partner.example/menu', text: 'Partner' })
    expect(clicks[2]!.properties).toMatchObject({ href: `${collector.origin}/files/menu.pdf` })
    expect(JSON.stringify(clicks)).not.toContain('Private')
  })

  it('records one rage click for 3 fast clicks in one spot, and a dead click on a button that does nothing', async () => {
    const { context, page } = await open(
      'rage/',
      html(`
        <p id="text" style="width:400px">Not a link, clicked in anger.</p>
        <button id="noop">Does nothing</button>
        <button id="works" onclick="this.textContent = 'Done'">Works</button>`),
    )
    const box = (await page.locator('#text').boundingBox())!
    for (let i = 0; i < 3; i++) await page.mouse.click(box.x + 10 + i * 5, box.y + 5)
    // One at a time: the second click's change would otherwise count for the first.
    await page.click('#noop')
    await page.waitForTimeout(700) // past the 500 ms dead-click window
    await page.click('#works')
    await page.waitForTimeout(700)
    await flush(page)
    await context.close()

    const tracked = await waitFor(async () => {
      const all = await rows('rage')
      return all.some((row) => row.event == 'Dead Click') ? all : undefined
    })
    const rage = tracked.filter((row) => row.event == 'Rage Click')
    expect(rage).toHaveLength(1)
    expect(rage[0]!.properties).toMatchObject({ tag: 'p', x: expect.any(Number), y: expect.any(Number) })
    const dead = tracked.filter((row) => row.event == 'Dead Click')
    expect(dead.map((row) => row.properties.id)).toEqual(['noop'])
  })

  it('records scroll milestones 25/50/75/90 once each per page view, and the deepest scroll in Page Left', async () => {
    const { context, page } = await open('scroll/', html('<main style="height:8000px">Long read</main>'))
    const scrollTo = async (fraction: number) => {
      await page.evaluate((fraction) => {
        const max = document.documentElement.scrollHeight - innerHeight
        window.scrollTo(0, max * fraction)
      }, fraction)
      await page.evaluate(
        () => new Promise((resolve) => requestAnimationFrame(() => setTimeout(resolve, 50))),
      )
    }
    await scrollTo(0.3)
    await scrollTo(1)
    await scrollTo(0)
    await scrollTo(1)
    await page.goto('about:blank') // hides the page: Page Left goes by beacon

    const stored = await waitFor(async () => {
      const all = await rows('scroll')
      return all.some((row) => row.event == 'Page Left') ? all : undefined
    })
    // Sent in the same millisecond when one scroll passes several: compare in depth order.
    const milestones = stored
      .filter((row) => row.event == 'Scroll Depth Reached')
      .sort((a, b) => a.properties.depth - b.properties.depth)
    expect(milestones.map((row) => [row.properties.depth, row.score])).toEqual([
      [25, 3],
      [50, 3],
      [75, 4],
      [90, 4],
    ])
    expect(stored.find((row) => row.event == 'Page Left')!.properties.scrollDepth).toBe(100)
    await context.close()
  })

  it('sends form submissions with allow-listed fields only, never a password, and converts them by rule', async () => {
    const { context, page } = await open(
      'form/',
      html(
        `<form id="signup" name="signup" action="/signup" onsubmit="event.preventDefault(); this.dataset.sent = 1">
          <input name="email" value="">
          <input name="password" type="password">
          <input name="pin" type="password">
          <select name="plan"><option>free</option><option>pro</option></select>
          <input name="note">
          <button>Sign up</button>
        </form>`,
        `{
          autocapture: { formFields: ['email', 'plan', 'password', 'pin'] },
          conversions: [{ name: 'signup-form', submit: '#signup', value: 15, currency: 'EUR' }],
        }`,
      ),
    )
    await page.fill('[name=email]', 'ana@example.com')
    await page.fill('[name=password]', 'hunter2-secret')
    await page.fill('[name=pin]', 'zq-pin-secret')
    await page.fill('[name=note]', 'private note')
    await page.selectOption('[name=plan]', 'pro')
    await page.click('button')
    await page.waitForSelector('form[data-sent]')
    await flush(page)
    await context.close()

    const stored = await waitFor(async () => {
      const all = await rows('form')
      return all.some((row) => row.event == 'Form Submitted') ? all : undefined
    })
    const submitted = stored.filter((row) => row.event == 'Form Submitted')
    expect(submitted).toHaveLength(1)
    expect(submitted[0]!.score).toBe(10)
    // A form-submit conversion rule fired on it.
    expect(submitted[0]!.context.conversion).toEqual({ rule: 'signup-form', value: 15, currency: 'EUR' })
    expect(stored.find((row) => row.event == 'Conversion')!.properties).toMatchObject({
      rule: 'signup-form',
      event: 'Form Submitted',
      sourceMessageId: submitted[0]!.message_id,
    })
    expect(submitted[0]!.properties).toEqual({
      formId: 'signup',
      formName: 'signup',
      action: '/signup',
      fields: { email: 'ana@example.com', plan: 'pro' },
    })
    const everything = JSON.stringify(await collector.rows("SELECT * FROM events WHERE tenant_id = 'demo'"))
    expect(everything).not.toContain('hunter2')
    expect(everything).not.toContain('zq-pin')
    expect(everything).not.toContain('private note')
  })

  it('fires conversion rules on a selector click and an event name, with a Conversion event pointing at the source', async () => {
    const { context, page } = await open(
      'conversion/',
      html(
        `<button id="buy">Buy</button>`,
        `{ conversions: [
            { name: 'buy-click', click: '#buy', value: 20, currency: 'EUR' },
            { name: 'signup', event: 'Signed Up', value: 5 },
          ] }`,
      ),
    )
    await page.click('#buy')
    await page.evaluate(() => (window as any).rastro.track('Signed Up', { plan: 'pro' }))
    await page.evaluate(() => (window as any).rastro.track('Newsletter Opened'))
    await flush(page)
    await context.close()

    const stored = await waitFor(async () => {
      const all = await rows('conversion')
      return all.filter((row) => row.event == 'Conversion').length >= 2 ? all : undefined
    })
    const click = stored.find((row) => row.event == 'Element Clicked')!
    const signup = stored.find((row) => row.event == 'Signed Up')!
    expect(click.context.conversion).toEqual({ rule: 'buy-click', value: 20, currency: 'EUR' })
    expect(click.score).toBe(10)
    expect(signup.context.conversion).toEqual({ rule: 'signup', value: 5, currency: 'USD' })
    const conversions = stored.filter((row) => row.event == 'Conversion')
    expect(conversions.map((row) => row.properties)).toEqual([
      {
        rule: 'buy-click',
        value: 20,
        currency: 'EUR',
        event: 'Element Clicked',
        sourceMessageId: click.message_id,
      },
      { rule: 'signup', value: 5, currency: 'USD', event: 'Signed Up', sourceMessageId: signup.message_id },
    ])
    expect(stored.find((row) => row.event == 'Newsletter Opened')!.context.conversion).toBeUndefined()
  })

  it('loads the vitals chunk and reports each Core Web Vital once with its rating', async () => {
    const { context, page, scripts } = await open(
      'vitals/',
      // The button's handler blocks for 60 ms: an interaction INP cannot miss (web-vitals skips < 40 ms).
      html(`<h1>Tostado</h1><p style="font-size:40px">Fresh coffee, roasted this week.</p>
        <button id="b" onclick="const t = performance.now(); while (performance.now() - t < 60);">Go</button>`),
    )
    // The chunk ran (it observes interactions from then on).
    await page.waitForFunction(() =>
      performance.getEntriesByType('resource').some((entry) => entry.name.endsWith('/rastro-vitals.js')),
    )
    await page.click('#b')
    await page.waitForTimeout(300)
    await page.goto('about:blank') // hidden: LCP, CLS and INP are final and leave by beacon
    expect(scripts).toContain('/rastro-vitals.js')

    const vitals = await waitFor(async () => {
      const found = (await rows('vitals')).filter((row) => row.event == 'Web Vital')
      const names = new Set(found.map((row) => row.properties.name))
      // INP too when headless Chromium delivered the click's event timing before the page was hidden
      // (it does not always: checked against web-vitals' own build), so it is not waited for.
      return ['LCP', 'FCP', 'TTFB', 'CLS'].every((name) => names.has(name)) ? found : undefined
    })
    const names = vitals.map((row) => row.properties.name)
    expect(new Set(names).size).toBe(names.length) // once per metric
    for (const row of vitals) {
      expect(row.properties).toMatchObject({
        value: expect.any(Number),
        rating: expect.stringMatching(/^(good|needs-improvement|poor)$/),
        id: expect.stringMatching(/^v\d/),
        navigationType: 'navigate',
      })
    }
    expect(vitals.find((row) => row.properties.name == 'CLS')!.properties.value).toBe(0)
    // Closed only now: closing the browser context at once can cancel a beacon still in flight.
    await context.close()
  })

  it('loads no chunk before opt-in consent, and loads it once analytics is allowed', async () => {
    const { context, page, scripts } = await open(
      'consent/',
      html('<p>Consent</p>', '{ requireConsent: true }'),
    )
    await page.waitForTimeout(300) // time enough for a chunk request to start
    expect(scripts).toEqual(['/rastro.js'])
    await page.evaluate(() => (window as any).rastro.consent({ analytics: true }))
    await expect.poll(() => scripts).toEqual(['/rastro.js', '/rastro-vitals.js'])
    await context.close()
  })

  it('buffers heatmap clicks and stores them as $heatmap events with page coordinates and selectors', async () => {
    const { context, page, scripts } = await open(
      'heatmap/',
      html(
        `<div style="height:1200px"></div>
         <section><p>One</p><p>Two <button id="buy" style="width:200px;height:40px">Buy</button></p></section>`,
        '{ heatmaps: true }',
      ),
    )
    await page.waitForFunction(() => 'rastro_heatmaps' in window)
    await page.locator('#buy').scrollIntoViewIfNeeded()
    await page.click('#buy', { position: { x: 50, y: 10 } })
    await page.click('section p:first-child', { position: { x: 1, y: 1 } })
    await page.goto('about:blank')
    expect(scripts).toContain('/rastro-heatmaps.js')

    const heatmaps = await waitFor(async () => {
      const found = (await rows('heatmap')).filter((row) => row.event == '$heatmap')
      return found.length ? found : undefined
    })
    expect(heatmaps).toHaveLength(1)
    const { points, pageHeight } = heatmaps[0]!.properties
    expect(pageHeight).toBeGreaterThan(1200)
    expect(points).toHaveLength(2)
    expect(points[0]).toMatchObject({ w: 1280, s: '#buy' })
    // Clicked 50 px right and 10 px below the button's corner (200 × 40 px, plus its border).
    expect(points[0].ox).toBeGreaterThan(0.2)
    expect(points[0].ox).toBeLessThan(0.3)
    expect(points[0].oy).toBeGreaterThan(0.2)
    expect(points[0].oy).toBeLessThan(0.35)
    expect(points[0].y).toBeGreaterThan(1200)
    expect(points[1]).toMatchObject({ w: 1280, s: 'body>section>p:nth-of-type(1)' })
    expect(heatmaps[0]!.path).toBe('/capture/heatmap/')
    await context.close()
  })
})
