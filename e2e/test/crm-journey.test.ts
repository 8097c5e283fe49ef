/**
 * The CRM's "done when": a visitor browses the landing page anonymously in a real Chromium,
 * submits the lead form, and later buys through the shop's server (the Node SDK's calls, sent to
 * the Segment HTTP API as it sends them). Against the real collector with the CRM mounted, they
 * are one contact with the whole history on the timeline, a score, a segment, a deal the lead form
 * opened and the order won (the CRM's deal rules), and a deal that moves through the pipeline;
 * GDPR export and delete work on them. A second visitor's lead form, then purchase in the storefront
 * example in the same browser, win the deal the lead opened with the order's amount.
 */
import type { Browser } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { closeBrowser, launchChromium } from './helpers/launch-chromium.js'
import { callApi, sendShopSignInAndOrder } from './helpers/collector-api.js'
import { startCollector, waitFor, type RunningCollector } from './helpers/start-collector.js'

/**
 * Events the landing page's script records by itself (autocapture, engagement, web vitals, its lead
 * conversion rule), besides the story's.
 */
const captured = new Set([
  'Conversion',
  'Element Clicked',
  'Form Submitted',
  'Scroll Depth Reached',
  'Page Left',
  'Web Vital',
  'Dead Click',
  'Rage Click',
])

let collector: RunningCollector
let browser: Browser

beforeAll(async () => {
  ;[collector, browser] = await Promise.all([startCollector(), launchChromium()])
})
afterAll(async () => {
  await closeBrowser(browser)
  await collector?.stop()
})

const crm = <T = any>(method: string, path: string, body?: unknown) =>
  callApi<T>(collector, method, `/v1/crm${path}`, body)

describe('a visitor becomes a customer', () => {
  let contactId: string

  it('joins the anonymous visit, the lead form and the server-side order into one contact', async () => {
    const context = await browser.newContext()
    const page = await context.newPage()
    await page.goto(`${collector.origin}/examples/landing-page/`)
    const ready = () => typeof (window as any).rastro?.flush === 'function' && !(window as any).rastro.q
    await page.waitForFunction(ready)
    await page.click('#hero-cta')
    await page.fill('#lead-name', 'Ana Souza')
    await page.fill('#lead-email', 'Ana@Example.com')
    await page.fill('#lead-phone', '+34 600 000 000')
    await page.click('#lead-form [type=submit]')
    await expect.poll(() => page.isVisible('#lead-thanks')).toBe(true)
    await Promise.all([page.waitForURL(/about\.html$/), page.click('#about-link')])
    await page.waitForFunction(ready)
    // The browser is thrown away below, with its IndexedDB queue: deliver the page view first (a real
    // visitor's next visit would send what a closing tab left).
    await page.evaluate(() => (window as any).rastro.flush())
    await page.close({ runBeforeUnload: true })
    await context.close()

    contactId = await waitFor(async () => {
      const found = await crm('POST', '/contacts/search', { query: 'ana@example.com' })
      return found.body.results?.[0]?.id as string | undefined
    })

    // Days later the shop's server: the customer signs in and pays.
    await sendShopSignInAndOrder(collector, {
      order_id: 'T-1001',
      revenue: 38,
      currency: 'EUR',
      products: [{ product_id: 'bag-1kg', price: 38, quantity: 1 }],
    })
    const contact = await waitFor(async () => {
      const answer = await crm('GET', `/contacts/${contactId}`)
      const joined = answer.body.identities?.some((identity: any) => identity.kind === 'external_id')
      return joined && answer.body.lifecycleStage === 'customer' ? answer.body : undefined
    })
    expect(contact).toMatchObject({
      email: 'ana@example.com',
      phone: '+34600000000',
      firstName: 'Ana',
      lastName: 'Souza',
    })
    expect(contact.identities.map((identity: any) => identity.kind)).toEqual([
      'external_id',
      'email',
      'phone',
      'anon_id',
    ])
    const all = await crm('GET', '/contacts')
    expect(all.body.results).toHaveLength(1)
  })

  it('shows the whole history on the timeline, newest first', async () => {
    const timeline = await waitFor(async () => {
      const answer = await crm('GET', `/contacts/${contactId}/timeline?limit=100`)
      const events = answer.body.results.filter(
        (item: any) => item.kind === 'event' && !captured.has(item.name),
      )
      return events.length >= 6 ? events : undefined
    })
    expect(timeline.map((item: any) => `${item.source} ${item.type} ${item.name || item.path}`)).toEqual([
      'server track Order Completed',
      'server identify ',
      'web page /examples/landing-page/about.html',
      'web track Lead Created',
      'web track CTA Clicked',
      'web page /examples/landing-page/',
    ])
  })

  it('has a score, a value segment, and counts in the dashboards', async () => {
    const score = await crm('GET', `/contacts/${contactId}/score`)
    expect(score.body.total).toBeGreaterThanOrEqual(60)
    expect(score.body.hot).toBe(true)
    const value = await crm('GET', `/contacts/${contactId}/value`)
    expect(value.body).toMatchObject({
      orders: 1,
      revenue: 38,
      rfmSegment: 'new_customers',
      lifecycle: 'new',
    })
    const segment = await crm('POST', '/segments', {
      name: 'New customers',
      filterGroups: [{ filters: [{ propertyName: 'lifecycle', operator: 'EQ', value: 'new' }] }],
    })
    expect(segment.body.count).toBe(1)
    const leads = await crm('GET', '/analytics/leads')
    expect(leads.body).toMatchObject({ visitors: 1, leads: 1, customers: 1 })
  })

  it('has the deal the lead form opened, won by the order with its amount', async () => {
    // The feed wins the deal right after it marks the contact a customer: wait for it.
    const deals = await waitFor(async () => {
      const answer = await crm('GET', `/deals?contactId=${contactId}`)
      return answer.body.results?.[0]?.status === 'won' ? answer : undefined
    })
    expect(deals.body.results).toEqual([
      expect.objectContaining({
        name: 'Ana Souza – Lead Created',
        stageId: 'won',
        status: 'won',
        amountMinor: 3800,
        currency: 'EUR',
      }),
    ])
    const timeline = await crm('GET', `/contacts/${contactId}/timeline?limit=100`)
    const changes = timeline.body.results.filter((item: any) => item.name.startsWith('deal.'))
    expect(changes.map((item: any) => item.name)).toEqual([
      'deal.stage_changed',
      'deal.updated',
      'deal.created',
    ])
    expect(changes[0].properties).toMatchObject({ from: 'new', to: 'won', status: 'won' })
  })

  it('moves a deal for the contact through the pipeline', async () => {
    const deal = await crm('POST', '/deals', {
      name: 'Wholesale for Ana',
      contactId,
      amountMinor: 50_000,
      currency: 'EUR',
    })
    expect(deal.status).toBe(201)
    for (const stageId of ['qualified', 'proposal', 'won']) {
      expect((await crm('PATCH', `/deals/${deal.body.id}`, { stageId })).body.stageId).toBe(stageId)
    }
    const board = await crm('GET', '/pipelines/default/board')
    const won = board.body.stages.find((stage: any) => stage.stage.id === 'won')
    expect(won.deals.map((item: any) => item.name).sort()).toEqual([
      'Ana Souza – Lead Created',
      'Wholesale for Ana',
    ])
    const timeline = await crm('GET', `/contacts/${contactId}/timeline`)
    // Three moves of this deal, one of the order's.
    expect(timeline.body.results.filter((item: any) => item.name === 'deal.stage_changed')).toHaveLength(4)
  })

  it('exports and erases the person under GDPR', async () => {
    const exported = await crm('POST', '/gdpr/export', { email: 'ana@example.com' })
    const [stored] = await collector.rows<{ n: string }>(
      `SELECT uniqExact(message_id) AS n FROM events WHERE tenant_id = 'demo'`,
    )
    // Every event of the person: the 6 of the story plus what the landing page autocaptured.
    expect(exported.body.events.length).toBeGreaterThan(6)
    expect(exported.body.events).toHaveLength(Number(stored!.n))
    const erased = await crm('POST', '/gdpr/delete', { email: 'ana@example.com' })
    expect(erased.body.erased.events).toBe(exported.body.events.length)
    expect((await crm('GET', `/contacts/${contactId}`)).status).toBe(404)
    const left = await collector.rows(`SELECT message_id FROM events WHERE tenant_id = 'demo'`)
    expect(left).toEqual([])
  })
})

describe('a lead who buys in the storefront', () => {
  it('has the deal their lead form opened won by the purchase in the shop, with its amount', async () => {
    // One browser, as a newcomer tries the demo: the landing page's lead form, then the shop.
    const context = await browser.newContext()
    const page = await context.newPage()
    await page.goto(`${collector.origin}/examples/landing-page/`)
    const ready = () => typeof (window as any).rastro?.flush === 'function' && !(window as any).rastro.q
    await page.waitForFunction(ready)
    await page.fill('#lead-name', 'Bea Lima')
    await page.fill('#lead-email', 'bea@example.com')
    await page.click('#lead-form [type=submit]')
    await page.locator('#lead-thanks').waitFor()
    await page.evaluate(() => (window as any).rastro.flush())
    const contactId = await waitFor(async () => {
      const found = await crm('POST', '/contacts/search', { query: 'bea@example.com' })
      return found.body.results?.[0]?.id as string | undefined
    })
    const opened = await waitFor(
      async () => (await crm('GET', `/deals?contactId=${contactId}`)).body.results?.[0],
    )
    expect(opened).toMatchObject({ name: 'Bea Lima – Lead Created', stageId: 'new', status: 'open' })

    await page.goto(`${collector.origin}/examples/storefront/`)
    await Promise.all([page.waitForURL(/product\.html\?id=huila$/), page.click('[data-product-id="huila"]')])
    await page.fill('#quantity', '2')
    await page.click('#add-to-cart')
    await Promise.all([page.waitForURL(/cart\.html$/), page.click('#cart-link')])
    await Promise.all([page.waitForURL(/checkout\.html$/), page.click('#checkout-link')])
    await page.fill('#email', 'bea@example.com')
    await page.click('#to-payment')
    await page.fill('#card', '4242 4242 4242 4242')
    await page.click('#pay')
    await page.waitForSelector('#order-done', { state: 'visible' })
    await page.close({ runBeforeUnload: true })
    await context.close()

    // 2 × €14.50: the order's revenue (shipping is not revenue in the Segment spec).
    const won = await waitFor(async () => {
      const deals = await crm('GET', `/deals?contactId=${contactId}`)
      return deals.body.results?.[0]?.status === 'won' ? deals.body.results : undefined
    })
    expect(won).toEqual([
      expect.objectContaining({ id: opened.id, stageId: 'won', amountMinor: 2900, currency: 'EUR' }),
    ])
    const board = await crm('GET', '/pipelines/default/board')
    const column = board.body.stages.find((stage: any) => stage.stage.id === 'won')
    expect(column.deals.map((deal: any) => deal.id)).toContain(opened.id)
  })
})
