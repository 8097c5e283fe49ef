/**
 * The built-in dashboard (issue 9) in a real Chromium against the real collector: a visitor browses
 * the landing page with the browser SDK and submits the lead form, and the pipeline board shows the
 * deal the lead opened in its first column; the shop's server sends the order (as @rastro/node
 * does) and the board shows that deal won with the purchase amount. A deal is opened through the
 * CRM API; then the owner signs in at /app/ and every view shows that data, a deal dragged on the
 * pipeline board stays moved (read back through the API), and a viewer's key can read but not
 * edit. Screenshots of each view go to e2e/artifacts/dashboard/ (the README's come from there).
 */
import { mkdirSync } from 'node:fs'
import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { fileURLToPath } from 'node:url'
import type { Browser, BrowserContext, Page } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { closeBrowser, launchChromium } from './helpers/launch-chromium.js'
import { callApi, sendShopSignInAndOrder } from './helpers/collector-api.js'
import { demoKeys, startCollector, waitFor, type RunningCollector } from './helpers/start-collector.js'

const artifacts = fileURLToPath(new URL('../artifacts/dashboard/', import.meta.url))
/** A desktop Chrome's user agent: the visitor is a person, not the headless test browser. */
const VISITOR_UA =
  'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36'

/** Telefónica de España's resolver (80.58.0.0/16, registered in Spain for decades). */
const VISITOR_IP = '80.58.61.250'

let collector: RunningCollector
let browser: Browser
let receiver: Server
let dealId: string
let contactId: string
/** When the landing page visit ended (epoch ms). */
let visitedAtMs: number

const api = <T = any>(method: string, path: string, body?: unknown) =>
  callApi<T>(collector, method, path, body)

/**
 * A visit of the landing page by a person: page views, the CTA, the lead form, a second page. The
 * script's vitals chunk measures the page's Web Vitals itself.
 */
async function visitLandingPage(): Promise<void> {
  // Behind the shop's reverse proxy (the collector trusts it): the visitor's address is a Movistar
  // one in Spain, so the dashboard's countries show Spain from the IP, not from the language.
  const context = await browser.newContext({
    userAgent: VISITOR_UA,
    locale: 'es-ES',
    extraHTTPHeaders: { 'x-forwarded-for': VISITOR_IP },
  })
  const page = await context.newPage()
  await page.goto(`${collector.origin}/examples/landing-page/`)
  const ready = () => typeof (window as any).rastro?.flush === 'function' && !(window as any).rastro.q
  await page.waitForFunction(ready)
  await page.click('#hero-cta')
  await page.fill('#lead-name', 'Ana Souza')
  await page.fill('#lead-email', 'ana@example.com')
  await page.click('#lead-form [type=submit]')
  await page.locator('#lead-thanks').waitFor()
  await Promise.all([page.waitForURL(/about\.html$/), page.click('#about-link')])
  await page.waitForFunction(ready)
  await page.evaluate(() => (window as any).rastro.flush())
  await page.close({ runBeforeUnload: true })
  await context.close()
}

async function signIn(context: BrowserContext, key: string): Promise<Page> {
  const page = await context.newPage()
  await page.goto(`${collector.origin}/app/`)
  // Keyboard only: the key field, then Enter.
  await page.getByLabel('Secret key').focus()
  await page.keyboard.type(key)
  await page.keyboard.press('Enter')
  await page.getByRole('navigation', { name: 'Views' }).waitFor()
  return page
}

async function shoot(page: Page, name: string): Promise<void> {
  await page.screenshot({ path: `${artifacts}${name}.png`, fullPage: true })
}

beforeAll(async () => {
  mkdirSync(artifacts, { recursive: true })
  receiver = createServer((request, response) =>
    request.resume().on('end', () => response.writeHead(204).end()),
  )
  await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve))
  const webhookUrl = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/orders`
  ;[collector, browser] = await Promise.all([
    startCollector({
      settings: { trustProxy: true },
      tenant: {
        name: 'Tostado coffee roasters',
        timeZone: 'Europe/Madrid',
        currency: 'EUR',
        defaultConsent: { analytics: true, marketing: true },
        destinations: [
          {
            id: 'orders-webhook',
            type: 'webhook',
            url: webhookUrl,
            secret: 'whsec_e2e_0123456789abcdef',
            events: ['Order Completed'],
            flushIntervalMs: 0,
          },
        ],
      },
    }),
    // Automation hidden from navigator.webdriver: the SDK flags automated browsers as bots.
    launchChromium(),
  ])
  await visitLandingPage()
  visitedAtMs = Date.now()
  const found = await waitFor(async () => {
    const answer = await api('POST', '/v1/crm/contacts/search', { query: 'ana@example.com' })
    return answer.body.results?.[0]?.id as string | undefined
  })
  contactId = found
}, 120_000)

afterAll(async () => {
  await closeBrowser(browser)
  await collector?.stop()
  receiver?.close()
})

describe("the visitor's deal on the pipeline board", () => {
  let context: BrowserContext
  let board: Page
  let leadDealId: string
  beforeAll(async () => {
    context = await browser.newContext({ viewport: { width: 1280, height: 900 } })
    board = await signIn(context, demoKeys.secretKey)
  })
  afterAll(async () => context?.close())

  /** The stage column the deal's card is in. */
  const columnOf = (id: string) =>
    board
      .locator(`[data-deal="${id}"]`)
      .evaluate((card) => card.closest('[data-stage]')!.getAttribute('data-stage'))

  it('the lead form opened a deal, in the first stage', async () => {
    leadDealId = await waitFor(async () => {
      const answer = await api('GET', `/v1/crm/deals?contactId=${contactId}`)
      return answer.body.results?.[0]?.id as string | undefined
    })
    await board.getByRole('link', { name: 'Pipeline' }).click()
    const card = board.locator(`[data-deal="${leadDealId}"]`)
    await card.waitFor()
    expect(await card.locator('strong').textContent()).toBe('Ana Souza – Lead Created')
    expect(await columnOf(leadDealId)).toBe('new')
  })

  it('the purchase wins it, with the purchase amount', async () => {
    await sendShopSignInAndOrder(collector, { order_id: 'T-1001', revenue: 38, currency: 'EUR' })
    await collector.app.whenStored()
    await waitFor(async () =>
      (await api('GET', '/v1/destinations')).body.destinations[0].delivered >= 1 ? true : undefined,
    )
    // The board reads its deals and its column totals in two queries: poll until both show the win.
    const euros = /38[.,]00\s?€|€\s?38[.,]00/
    await expect
      .poll(async () => {
        await board.reload()
        await board.locator(`[data-deal="${leadDealId}"]`).waitFor()
        const total = await board.locator('[data-stage=won] h2 + p').textContent()
        return `${await columnOf(leadDealId)}: ${euros.test(total ?? '') ? 'amount' : total}`
      })
      .toBe('won: amount')
    expect(await board.locator(`[data-deal="${leadDealId}"]`).textContent()).toMatch(euros)
    expect(await board.locator('[data-stage=new]').getAttribute('aria-label')).toBe('New: 0 deals')
    await board.locator('[data-stage=won]').scrollIntoViewIfNeeded()
    await shoot(board, 'pipeline-won')
  })
})

describe('dashboard at /app/', () => {
  let context: BrowserContext
  let page: Page
  beforeAll(async () => {
    context = await browser.newContext({ viewport: { width: 1280, height: 900 } })
    const deal = await api('POST', '/v1/crm/deals', {
      name: 'Wholesale for Ana',
      contactId,
      amountMinor: 50_000,
      currency: 'EUR',
    })
    expect(deal.status).toBe(201)
    dealId = deal.body.id
  })
  afterAll(async () => context?.close())

  it('refuses a wrong key, then signs in with the owner key into an httpOnly cookie', async () => {
    const wrong = await context.newPage()
    await wrong.goto(`${collector.origin}/app/`)
    await wrong.getByLabel('Secret key').fill('sk_wrong_key_0000000000')
    await wrong.getByRole('button', { name: 'Sign in' }).click()
    await expect.poll(() => wrong.getByRole('alert').textContent()).toContain('unknown secret key')
    await shoot(wrong, 'sign-in')
    await wrong.close()

    page = await signIn(context, demoKeys.secretKey)
    const cookies = await context.cookies()
    expect(cookies).toEqual([
      expect.objectContaining({ name: 'rastro_session', httpOnly: true, sameSite: 'Strict' }),
    ])
    expect(cookies[0]!.value).not.toContain(demoKeys.secretKey)
    const stored = await page.evaluate(
      () => JSON.stringify({ ...localStorage }) + JSON.stringify({ ...sessionStorage }) + document.cookie,
    )
    expect(stored).not.toContain(demoKeys.secretKey)
  })

  it('overview: visitors, page views, revenue in the tenant currency, breakdowns, visitors now', async () => {
    const kpi = (name: string) => page.locator(`[data-kpi=${name}] .kpi-value`).textContent()
    await expect.poll(() => kpi('visitors')).toBe('1')
    expect(await kpi('pageViews')).toBe('2')
    expect(await kpi('revenue')).toMatch(/38[.,]00\s?€|€\s?38[.,]00/)
    expect(await page.getByTestId('visitors-now').textContent()).toContain('1 visitor now')
    const pages = page.getByRole('table', { name: 'Top pages' })
    await expect.poll(() => pages.textContent()).toContain('/examples/landing-page/about.html')
    await page.getByRole('button', { name: 'Browsers' }).click()
    await expect.poll(() => page.getByRole('table', { name: 'Browsers' }).textContent()).toContain('Chrome')
    expect(await page.getByRole('table', { name: 'Countries' }).textContent()).toContain('🇪🇸 Spain')
    await page.locator('.chart canvas').first().waitFor()
    await shoot(page, 'overview')
  })

  it('custom range: picks from/to days in the tenant time zone, compares with the period before, survives a reload', async () => {
    /** The day (YYYY-MM-DD) of the visit in the tenant's time zone, moved by `offset` days. */
    const day = (offset: number) =>
      new Intl.DateTimeFormat('en-CA', { timeZone: 'Europe/Madrid' }).format(
        visitedAtMs + offset * 86_400_000,
      )
    const form = page.getByRole('form', { name: 'Custom range' })
    const kpi = (name: string, part = 'kpi-value') =>
      page.locator(`[data-kpi=${name}] .${part}`).textContent()
    await page.getByLabel(/^Range/).selectOption('custom')
    // To before From: refused on the page, naming the field; nothing is applied.
    await form.getByLabel('From').fill(day(1))
    await form.getByLabel('To').fill(day(0))
    await form.getByLabel('To').press('Enter')
    await expect.poll(() => form.getByRole('alert').textContent()).toBe('To must be on or after From.')
    expect(await form.getByLabel('To').getAttribute('aria-invalid')).toBe('true')
    expect(new URL(page.url()).search).toBe('')
    // The day before the visit through the visit's day: the visit's data.
    await form.getByLabel('From').fill(day(-1))
    await form.getByLabel('To').press('Enter')
    await expect.poll(() => new URL(page.url()).search).toBe(`?from=${day(-1)}&to=${day(0)}`)
    await expect.poll(() => kpi('visitors')).toBe('1')
    expect(await kpi('pageViews')).toBe('2')
    expect(await form.getByRole('alert').count()).toBe(0)
    // The day after the visit: nothing, against the visit's day as the previous period.
    await form.getByLabel('From').fill(day(1))
    await form.getByLabel('To').fill(day(1))
    await form.getByRole('button', { name: 'Apply' }).click()
    await expect.poll(() => kpi('visitors')).toBe('0')
    expect(await kpi('visitors', 'change')).toMatch(/^-100\s?% vs previous$/)
    await shoot(page, 'overview-custom-range')
    // A reload (or the link, shared) shows the same range and data.
    await page.reload()
    await expect.poll(() => kpi('visitors', 'change')).toMatch(/^-100\s?% vs previous$/)
    expect(await page.getByLabel(/^Range/).inputValue()).toBe('custom')
    expect(await form.getByLabel('From').inputValue()).toBe(day(1))
    expect(await form.getByLabel('To').inputValue()).toBe(day(1))
    // Back to a preset: the form closes and the URL drops the range.
    await page.getByLabel(/^Range/).selectOption({ label: 'Last 7 days' })
    await expect.poll(() => kpi('visitors')).toBe('1')
    expect(new URL(page.url()).search).toBe('')
    expect(await form.count()).toBe(0)
  })

  it('funnels: landing page → CTA → lead, with conversion', async () => {
    await page.getByRole('link', { name: 'Funnels' }).click()
    const steps = page.getByTestId('funnel-step')
    await expect.poll(() => steps.count()).toBe(3)
    for (let i = 0; i < 3; i++) expect(await steps.nth(i).textContent()).toContain('1 visitors')
    await shoot(page, 'funnels')
  })

  it('web vitals: p75 per metric with its rating, and per page, as the SDK measured them', async () => {
    // The landing page's vitals chunk reported TTFB and FCP after load, LCP when the page was left.
    let overall: { metric: string; rating: 'good' | 'needs-improvement' | 'poor'; samples: number }[] = []
    await expect
      .poll(async () => {
        const { body } = await api('GET', '/v1/analytics/web-vitals')
        overall = body.results.filter((row: any) => row.path === null)
        return overall.map((row) => row.metric)
      })
      .toEqual(expect.arrayContaining(['FCP', 'LCP', 'TTFB']))
    await page.getByRole('link', { name: 'Web Vitals' }).click()
    const labels = { good: 'Good', 'needs-improvement': 'Needs improvement', poor: 'Poor' }
    for (const row of overall) {
      await expect
        .poll(() => page.locator(`[data-metric=${row.metric}]`).textContent())
        .toContain(`${labels[row.rating]} · ${row.samples} samples`)
    }
    expect(await page.locator('table').textContent()).toContain('/examples/landing-page/')
    await shoot(page, 'web-vitals')
  })

  it('heatmaps: picks a page and device, and shows the clicks the visit made', async () => {
    await page.getByRole('link', { name: 'Heatmaps' }).click()
    const picker = page.getByLabel('Page')
    await expect
      .poll(async () => (await picker.locator('option').allTextContents()).join(' '))
      .toContain(`${collector.origin}/examples/landing-page/`)
    await picker.selectOption({ label: `${collector.origin}/examples/landing-page/` })
    await page.getByLabel('Device').selectOption('desktop')
    // The landing page sends heatmap points: the CTA and the form were clicked on a desktop screen.
    await expect.poll(() => page.locator('main').textContent()).toMatch(/Clicks \([1-9]\d*\)/)
    await shoot(page, 'heatmaps')
  })

  it('contacts and a contact: the lead with score, deal and the whole timeline; a note is saved', async () => {
    await page.getByRole('link', { name: 'Contacts' }).click()
    await page.getByLabel('Search').fill('ana@')
    await page.getByRole('link', { name: 'Ana Souza' }).click()
    const timeline = page.getByRole('region', { name: 'Timeline' })
    await expect.poll(() => timeline.textContent()).toContain('Order Completed')
    expect(await timeline.textContent()).toContain('Lead Created')
    expect(await timeline.textContent()).toContain('Viewed /examples/landing-page/')
    expect(Number(await page.getByTestId('lead-score').textContent())).toBeGreaterThan(0)
    expect(await page.getByRole('region', { name: 'Deals' }).textContent()).toContain('Wholesale for Ana')
    await page.getByLabel('Add a note').fill('Called Ana: wants 20 kg a month.')
    await page.getByRole('button', { name: 'Save note' }).click()
    await expect
      .poll(() => page.getByRole('region', { name: 'Notes' }).textContent())
      .toContain('20 kg a month')
    const notes = await api('GET', `/v1/crm/notes?contactId=${contactId}`)
    expect(notes.body.results.map((note: any) => note.body)).toEqual(['Called Ana: wants 20 kg a month.'])
    await shoot(page, 'contact')
  })

  it('pipeline: a deal dragged to another stage stays there', async () => {
    await page.getByRole('link', { name: 'Pipeline' }).click()
    const card = page.locator(`[data-deal="${dealId}"]`)
    await card.waitFor()
    expect(
      await card.evaluate((element) => element.closest('[data-stage]')!.getAttribute('data-stage')),
    ).toBe('new')
    await card.dragTo(page.locator('[data-stage=qualified]'))
    await expect
      .poll(async () => (await api('GET', `/v1/crm/deals/${dealId}`)).body.stageId)
      .toBe('qualified')
    await page.locator(`[data-stage=qualified] [data-deal="${dealId}"]`).waitFor()
    await page.reload()
    await page.locator(`[data-stage=qualified] [data-deal="${dealId}"]`).waitFor()
    await shoot(page, 'pipeline')
  })

  it('destinations: delivered counts, lag and replay', async () => {
    await page.getByRole('link', { name: 'Destinations' }).click()
    const row = page.locator('[data-destination=orders-webhook]')
    await expect.poll(() => row.textContent()).toContain('ok')
    expect(await row.locator('td').nth(2).textContent()).toBe('1')
    await row.getByRole('button', { name: 'Replay range' }).click()
    await expect
      .poll(() => page.getByRole('status').first().textContent())
      .toContain('Replay of orders-webhook started')
    await shoot(page, 'destinations')
  })

  it('fits a phone', async () => {
    const phone = await browser.newContext({
      viewport: { width: 390, height: 844 },
      isMobile: true,
      hasTouch: true,
    })
    const small = await signIn(phone, demoKeys.secretKey)
    await expect.poll(() => small.locator('[data-kpi=visitors] .kpi-value').textContent()).toBe('1')
    const overflow = await small.evaluate(() => document.documentElement.scrollWidth - window.innerWidth)
    expect(overflow).toBeLessThanOrEqual(0)
    await shoot(small, 'overview-phone')
    await phone.close()
  })

  it('signs out', async () => {
    await page.getByRole('button', { name: 'Sign out' }).click()
    await page.getByLabel('Secret key').waitFor()
    const answer = await page.evaluate(async () => (await fetch('/v1/analytics/overview')).status)
    expect(answer).toBe(401)
  })
})

describe('a viewer key', () => {
  it('reads every view but cannot edit: no drag, no note form, no replay, and the API answers 403', async () => {
    const context = await browser.newContext()
    const page = await signIn(context, demoKeys.viewerKey)
    expect(await page.locator('.role').textContent()).toBe('viewer')
    await page.getByRole('link', { name: 'Pipeline' }).click()
    const card = page.locator(`[data-deal="${dealId}"]`)
    await card.waitFor()
    expect(await card.getAttribute('draggable')).toBe('false')
    expect(await card.locator('select').count()).toBe(0)
    await card.dragTo(page.locator('[data-stage=won]'))
    await page.goto(`${collector.origin}/app/#/contact/${contactId}`)
    await page.getByRole('region', { name: 'Timeline' }).waitFor()
    expect(await page.getByLabel('Add a note').count()).toBe(0)
    await page.getByRole('link', { name: 'Destinations' }).click()
    expect(await page.getByRole('button', { name: 'Replay range' }).isDisabled()).toBe(true)
    // Even a hand-made request from the page is refused.
    const status = await page.evaluate(async (id) => {
      const response = await fetch(`/v1/crm/deals/${id}`, {
        method: 'PATCH',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ stageId: 'won' }),
      })
      return response.status
    }, dealId)
    expect(status).toBe(403)
    expect((await api('GET', `/v1/crm/deals/${dealId}`)).body.stageId).toBe('qualified')
    await context.close()
  })
})
