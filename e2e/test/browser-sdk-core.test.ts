/**
 * The browser SDK's core in a real Chromium against the real collector: opt-in consent makes no
 * request and writes no storage before the choice; cookieless mode stores nothing and sends no
 * ids; automated browsers are flagged; two tabs share one session; events queued offline survive the page in IndexedDB and are
 * stored once, by the next visit.
 */
import { readFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import type { Browser, BrowserContext, Page } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { closeBrowser, launchChromium } from './helpers/launch-chromium.js'
import { demoKeys, startCollector, waitFor, type RunningCollector } from './helpers/start-collector.js'

const snippet = readFileSync(createRequire(import.meta.url).resolve('@rastro/browser/snippet'), 'utf8')

let collector: RunningCollector
let browser: Browser

beforeAll(async () => {
  ;[collector, browser] = await Promise.all([startCollector(), launchChromium()])
})
afterAll(async () => {
  await closeBrowser(browser)
  await collector?.stop()
})

/**
 * A context whose `/e2e/<name>` pages (on the collector's origin, which the demo site allows) are a
 * blank page with the loader snippet and `rastro.init(options)`.
 */
async function createSite(options: Record<string, unknown> = {}, on = browser): Promise<BrowserContext> {
  const context = await on.newContext()
  // The capture plugins' own events (web vitals, autocapture, Page Left) are browser-capture.test.ts's;
  // here they would only add events to the exact counts below.
  const init = JSON.stringify({
    writeKey: demoKeys.writeKey,
    host: collector.origin,
    vitals: false,
    autocapture: false,
    engagement: false,
    ...options,
  })
  await context.route(`${collector.origin}/e2e/**`, (route) =>
    route.fulfill({
      contentType: 'text/html',
      body: `<!doctype html><html><head><title>E2E</title><script>${snippet}\nrastro.init(${init})</script></head><body></body></html>`,
    }),
  )
  return context
}

/** Opens `/e2e/<name>` and waits for rastro.js to replace the snippet's stub. */
async function openPage(context: BrowserContext, name: string): Promise<Page> {
  const page = await context.newPage()
  await page.goto(`${collector.origin}/e2e/${name}`)
  await page.waitForFunction(
    () => typeof (window as any).rastro?.flush === 'function' && !(window as any).rastro.q,
  )
  return page
}

/** Everything the page's origin keeps: cookies, localStorage, sessionStorage keys and IndexedDB databases. */
async function snapshotStorage(context: BrowserContext, page: Page) {
  const inPage = await page.evaluate(async () => ({
    localStorage: Object.keys(localStorage),
    sessionStorage: Object.keys(sessionStorage),
    indexedDB: (await indexedDB.databases()).map((db) => db.name),
  }))
  return { cookies: (await context.cookies()).map((c) => c.name), ...inPage }
}

const emptyStorage = { cookies: [], localStorage: [], sessionStorage: [], indexedDB: [] }

interface Row {
  message_id: string
  event: string
  type: string
  anonymous_id: string
  session_id: string
  context: string
}

/** The stored rows matching `where`, once there are at least `count`. */
async function readRows(where: string, count: number): Promise<Row[]> {
  return waitFor(async () => {
    await collector.app.whenStored()
    const rows = await collector.rows<Row>(
      `SELECT message_id, event, type, anonymous_id, session_id, context FROM events
       WHERE tenant_id = 'demo' AND ${where} ORDER BY timestamp`,
    )
    return rows.length >= count ? rows : undefined
  })
}

describe('opt-in consent', () => {
  it('makes no request and writes nothing before the choice, then sends what waited, with the choice', async () => {
    const context = await createSite({ requireConsent: true })
    const requests: string[] = []
    context.on('request', (request) => requests.push(new URL(request.url()).pathname))
    const page = await openPage(context, 'consent.html')
    const messageId = await page.evaluate(() => (window as any).rastro.track('Consent Test Before'))
    expect(await page.evaluate(() => (window as any).rastro.flush())).toBe(true)

    expect(requests.filter((path) => path != '/favicon.ico')).toEqual(['/e2e/consent.html', '/rastro.js'])
    expect(await snapshotStorage(context, page)).toEqual(emptyStorage)

    await page.evaluate(() => (window as any).rastro.consent({ analytics: true, marketing: false }))
    expect(await page.evaluate(() => (window as any).rastro.flush())).toBe(true)
    const rows = await readRows("(event = 'Consent Test Before' OR path = '/e2e/consent.html')", 2)
    expect(rows.map((row) => row.type)).toEqual(['page', 'track'])
    expect(rows[1]!.message_id).toBe(messageId)
    for (const row of rows)
      expect(JSON.parse(row.context).consent).toEqual({
        categoryPreferences: { analytics: true, marketing: false },
      })
    const after = await snapshotStorage(context, page)
    expect(after.cookies.sort()).toEqual(['rastro_aid', 'rastro_consent', 'rastro_sid'])
    expect(after.indexedDB).toEqual(['rastro'])
    // The anonymous id made in memory before consent is the one stored and sent.
    const cookie = (await context.cookies()).find((c) => c.name == 'rastro_aid')!
    expect(rows[0]!.anonymous_id).toBe(cookie.value)
    await context.close()
  })
})

describe('cookieless mode', () => {
  it('stores nothing and sends events without ids, marked cookieless', async () => {
    const context = await createSite({ cookieless: true })
    const bodies: { batch: Record<string, any>[] }[] = []
    context.on('request', (request) => {
      if (request.method() == 'POST') bodies.push(JSON.parse(request.postData()!))
    })
    const page = await openPage(context, 'cookieless.html')
    await page.evaluate(() => (window as any).rastro.identify('u1', { plan: 'pro' }))
    await page.evaluate(() => (window as any).rastro.track('Cookieless Test'))
    await page.evaluate(() => (window as any).rastro.flush())
    const events = bodies.flatMap((body) => body.batch)
    expect(events.map((event) => event.type)).toEqual(['page', 'identify', 'track'])
    for (const event of events) {
      expect(event).not.toHaveProperty('anonymousId')
      expect(event).not.toHaveProperty('userId')
      expect(event.context.cookieless).toBe(true)
      expect(event.context.sessionId).toBeUndefined()
    }
    expect(await snapshotStorage(context, page)).toEqual(emptyStorage)
    await context.close()
  })
})

describe('bots', () => {
  it('flags an automated Chromium (navigator.webdriver, HeadlessChrome) with context.bot, and a person’s not', async () => {
    const automated = await launchChromium({ automated: true })
    try {
      for (const [on, name] of [
        [automated, 'automated.html'],
        [browser, 'human.html'],
      ] as const) {
        const context = await createSite({}, on)
        const page = await openPage(context, name)
        await page.evaluate(() => (window as any).rastro.flush())
        await context.close()
      }
    } finally {
      await automated.close()
    }
    const rows = await readRows("path IN ('/e2e/automated.html', '/e2e/human.html')", 2)
    const botOf = (path: string) => JSON.parse(rows.find((row) => row.context.includes(path))!.context).bot
    expect(botOf('/e2e/automated.html')).toBe(true)
    expect(botOf('/e2e/human.html')).toBeUndefined()
  })
})

describe('sessions', () => {
  it('two tabs of one visitor share the anonymous id and the session', async () => {
    const context = await createSite()
    const first = await openPage(context, 'tab-a.html')
    await first.evaluate(() => (window as any).rastro.flush())
    const second = await openPage(context, 'tab-b.html')
    await second.evaluate(() => (window as any).rastro.track('Second Tab Event'))
    await second.evaluate(() => (window as any).rastro.flush())
    await first.evaluate(() => (window as any).rastro.track('First Tab Event'))
    await first.evaluate(() => (window as any).rastro.flush())
    const rows = await readRows(
      "(path IN ('/e2e/tab-a.html', '/e2e/tab-b.html') OR event IN ('First Tab Event', 'Second Tab Event'))",
      4,
    )
    expect(rows).toHaveLength(4)
    expect(new Set(rows.map((row) => row.anonymous_id)).size).toBe(1)
    expect(new Set(rows.map((row) => row.session_id)).size).toBe(1)
    expect(rows[0]!.session_id).not.toBe('')
    await context.close()
  })
})

/** The message ids in the SDK's IndexedDB queue. */
function getStoredIds(page: Page): Promise<string[]> {
  return page.evaluate(
    () =>
      new Promise<string[]>((resolve) => {
        const open = indexedDB.open('rastro')
        open.onsuccess = () => {
          const keys = open.result.transaction('events').objectStore('events').getAllKeys()
          keys.onsuccess = () => resolve(keys.result as string[])
        }
      }),
  )
}

describe('IndexedDB queue', () => {
  it('resends after a reload an event whose first request was aborted, and it is stored once', async () => {
    const context = await createSite()
    let aborted = 0
    await context.route(`${collector.origin}/v1/batch`, (route) =>
      aborted++ ? route.continue() : route.abort('blockedbyclient'),
    )
    const page = await openPage(context, 'aborted.html')
    const messageId = await page.evaluate(() => (window as any).rastro.track('Aborted Then Reloaded'))
    // The page view and the event go in the first request, which is aborted.
    expect(await page.evaluate(() => (window as any).rastro.flush())).toBe(false)
    expect(await getStoredIds(page)).toContain(messageId)
    await page.reload()
    await page.waitForFunction(
      () => typeof (window as any).rastro?.flush === 'function' && !(window as any).rastro.q,
    )
    const rows = await readRows("event = 'Aborted Then Reloaded'", 1)
    expect(rows.map((row) => row.message_id)).toEqual([messageId])
    await waitFor(async () => ((await getStoredIds(page)).length == 0 ? true : undefined))
    await collector.app.whenStored()
    const [counts] = await collector.rows<{ rows: string }>(
      "SELECT count() AS rows FROM events WHERE tenant_id = 'demo' AND event = 'Aborted Then Reloaded'",
    )
    expect(Number(counts!.rows)).toBe(1)
    await context.close()
  })

  it('keeps events tracked offline after the page is closed, and the next visit delivers them once', async () => {
    const context = await createSite()
    const page = await openPage(context, 'offline.html')
    await page.evaluate(() => (window as any).rastro.flush())
    await context.setOffline(true)
    const messageId = await page.evaluate(() => (window as any).rastro.track('Queued Offline'))
    expect(await page.evaluate(() => (window as any).rastro.flush())).toBe(false)
    expect(await getStoredIds(page)).toEqual([messageId])
    // With runBeforeUnload, close() does not wait for the page to be gone: wait for it (pagehide ran).
    await Promise.all([page.waitForEvent('close'), page.close({ runBeforeUnload: true })])
    await context.setOffline(false)

    const next = await openPage(context, 'next-visit.html')
    const rows = await readRows("event = 'Queued Offline'", 1)
    expect(rows.map((row) => row.message_id)).toEqual([messageId])
    // Acknowledged, so deleted: nothing left for a later page to resend.
    await waitFor(async () => ((await getStoredIds(next)).length == 0 ? true : undefined))
    const [counts] = await collector.rows<{ rows: string }>(
      "SELECT count() AS rows FROM events WHERE tenant_id = 'demo' AND event = 'Queued Offline'",
    )
    expect(Number(counts!.rows)).toBe(1)
    await context.close()
  })
})
