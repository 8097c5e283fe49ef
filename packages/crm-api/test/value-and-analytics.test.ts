/**
 * Customer value (RFM by quintiles, segments, lifecycle, CLV), saved segments with members and a
 * CSV export, and the analytics dashboards, on events whose right answers are worked out by hand
 * below. Bots and a duplicated event must not change any figure.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createEvent, keys, startCrm, toChTime, type EventRow, type RunningCrm } from './helpers/start-crm.js'

const DAY = 86_400_000
const HOUR = 3_600_000
let crm: RunningCrm
const now = Date.now()
const t0 = now - 2 * DAY

/** Tenant two: ten customers; customer i ordered i + 1 times (10 × (i + 1) each), last i days ago, one order every 5 days. */
function customerEvents(): EventRow[] {
  const rows: EventRow[] = []
  for (let i = 0; i < 10; i += 1) {
    rows.push(
      createEvent({
        tenant_id: 'two',
        type: 'identify',
        user_id: `c${i}`,
        traits: { email: `c${i}@two.example` },
        timestamp: toChTime(now - 70 * DAY),
      }),
    )
    for (let k = 0; k <= i; k += 1) {
      rows.push(
        createEvent({
          tenant_id: 'two',
          type: 'track',
          event: 'Order Completed',
          user_id: `c${i}`,
          timestamp: toChTime(now - (i + 5 * k) * DAY - HOUR),
          properties: { order_id: `o${i}-${k}`, revenue: 10 * (i + 1), currency: 'EUR' },
        }),
      )
    }
  }
  return rows
}

/** Tenant one: three web visitors (ann converts and buys, a bounce from a news site, bo leaves a lead), a bot, vitals. */
function webEvents(): EventRow[] {
  const web = (fields: Parameters<typeof createEvent>[0]) =>
    createEvent({ library_name: 'rastro.js', url: `https://tostado.example${fields.path ?? '/'}`, ...fields })
  const at = (ms: number) => toChTime(t0 + ms)
  const campaign = { utm_source: 'google', utm_medium: 'cpc', utm_campaign: 'spring' }
  const ann = {
    anonymous_id: 'v-ann',
    session_id: 's-ann',
    device_type: 'desktop',
    browser: 'Chrome',
    os: 'Linux',
  }
  const bounce = {
    anonymous_id: 'v-bounce',
    session_id: 's-bounce',
    device_type: 'desktop',
    browser: 'Firefox',
    os: 'Windows',
  }
  const bo = {
    anonymous_id: 'v-bo',
    session_id: 's-bo',
    device_type: 'mobile',
    browser: 'Chrome',
    os: 'Android',
  }
  const duplicated = web({ ...ann, path: '/pricing', timestamp: at(60_000) })
  return [
    web({ ...ann, ...campaign, path: '/', timestamp: at(0) }),
    duplicated,
    { ...duplicated },
    web({ ...ann, type: 'track', event: 'CTA Clicked', path: '/pricing', timestamp: at(90_000) }),
    web({
      ...ann,
      ...campaign,
      type: 'track',
      event: 'Lead Created',
      path: '/pricing',
      timestamp: at(120_000),
      properties: { email: 'ann@one.example' },
    }),
    web({
      ...ann,
      type: 'track',
      event: 'Web Vitals',
      path: '/',
      timestamp: at(130_000),
      properties: { LCP: 2600, CLS: 0.3 },
    }),
    web({ ...bounce, path: '/', referrer: 'https://news.example/article', timestamp: at(HOUR) }),
    web({
      ...bo,
      utm_source: 'newsletter',
      utm_medium: 'email',
      utm_campaign: 'launch',
      path: '/',
      timestamp: at(2 * HOUR),
    }),
    web({ ...bo, path: '/about', timestamp: at(2 * HOUR + 30_000) }),
    web({
      ...bo,
      type: 'track',
      event: 'Lead Created',
      path: '/about',
      utm_source: 'newsletter',
      timestamp: at(2 * HOUR + 60_000),
      properties: { email: 'bo@one.example' },
    }),
    web({
      ...bo,
      type: 'track',
      event: 'Web Vital',
      path: '/pricing',
      timestamp: at(2 * HOUR + 70_000),
      properties: { name: 'INP', value: 150 },
    }),
    web({ anonymous_id: 'v-bot', session_id: 's-bot', path: '/', bot: 1, timestamp: at(3 * HOUR) }),
    createEvent({
      type: 'identify',
      anonymous_id: 'v-ann',
      user_id: 'ann-1',
      library_name: '@rastro/node',
      timestamp: at(4 * HOUR),
      traits: { email: 'ann@one.example' },
    }),
    createEvent({
      type: 'track',
      event: 'Order Completed',
      user_id: 'ann-1',
      library_name: '@rastro/node',
      timestamp: at(5 * HOUR),
      properties: { revenue: 100, currency: 'EUR' },
    }),
  ]
}

const range = `from=${encodeURIComponent(new Date(t0 - HOUR).toISOString())}&to=${encodeURIComponent(new Date(now).toISOString())}`

beforeAll(async () => {
  crm = await startCrm()
  await crm.ingest(customerEvents())
  await crm.ingest(webEvents())
})
afterAll(async () => {
  await crm?.stop()
})

async function contactIdOf(tenant: string, email: string): Promise<string> {
  const rows = await crm.rows<{ contact_id: string }>(
    `SELECT contact_id FROM crm_identities FINAL WHERE tenant_id = {tenant:String} AND kind = 'email' AND value = {email:String}`,
    { tenant, email },
  )
  expect(rows).toHaveLength(1)
  return rows[0]!.contact_id
}

describe('customer value', () => {
  it('scores RFM by quintiles and names segment, lifecycle and CLV', async () => {
    const expected = [
      ['new_customers', 'new'],
      ['new_customers', 'new'],
      ['potential_loyalists', 'new'],
      ['potential_loyalists', 'new'],
      ['need_attention', 'new'],
      ['need_attention', 'recurring'],
      ['at_risk', 'recurring'],
      ['at_risk', 'recurring'],
      ['cant_lose', 'lapsed'],
      ['cant_lose', 'vip'],
    ]
    for (const [i, [segment, lifecycle]] of expected.entries()) {
      const id = await contactIdOf('two', `c${i}@two.example`)
      const value = await crm.call('GET', `/v1/crm/contacts/${id}/value`, { key: keys.otherOwner })
      expect({
        i,
        segment: value.body.rfmSegment,
        lifecycle: value.body.lifecycle,
        orders: value.body.orders,
      }).toEqual({
        i,
        segment,
        lifecycle,
        orders: i + 1,
      })
    }
    const top = await crm.call(
      'GET',
      `/v1/crm/contacts/${await contactIdOf('two', 'c9@two.example')}/value`,
      { key: keys.otherOwner },
    )
    expect(top.body).toMatchObject({
      revenue: 1000,
      recencyDays: 9,
      r: 1,
      f: 5,
      m: 5,
      clvHistorical: 1000,
      clvProjected: 3000,
    })
    const summary = await crm.call('GET', '/v1/crm/segments/rfm', { key: keys.otherOwner })
    expect(summary.body.customers).toBe(10)
    expect(summary.body.revenue).toBe(3850)
    expect(summary.body.segments.find((row: any) => row.segment === 'cant_lose')).toEqual({
      segment: 'cant_lose',
      customers: 2,
      revenue: 1810,
      revenueShare: 0.47,
    })
    const prospect = await crm.call(
      'GET',
      `/v1/crm/contacts/${await contactIdOf('one', 'bo@one.example')}/value`,
    )
    expect(prospect.body).toMatchObject({ orders: 0, lifecycle: 'prospect', rfmSegment: null })
  })

  it('saves a segment and answers its count, members and CSV export', async () => {
    const created = await crm.call('POST', '/v1/crm/segments', {
      key: keys.otherOwner,
      body: {
        name: 'Win back',
        filterGroups: [
          { filters: [{ propertyName: 'rfmSegment', operator: 'IN', values: ['at_risk', 'cant_lose'] }] },
        ],
      },
    })
    expect(created.status).toBe(201)
    expect(created.body.count).toBe(4)
    const members = await crm.call('GET', `/v1/crm/segments/${created.body.id}/members?limit=3`, {
      key: keys.otherOwner,
    })
    const next = await crm.call(
      'GET',
      `/v1/crm/segments/${created.body.id}/members?cursor=${members.body.paging.next.cursor}`,
      {
        key: keys.otherOwner,
      },
    )
    const emails = [...members.body.results, ...next.body.results].map((contact: any) => contact.email).sort()
    expect(emails).toEqual(['c6@two.example', 'c7@two.example', 'c8@two.example', 'c9@two.example'])
    const csv = await crm.call('GET', `/v1/crm/segments/${created.body.id}/export`, { key: keys.otherOwner })
    expect(csv.headers['content-type']).toMatch(/^text\/csv/)
    const lines = csv.text.trim().split('\r\n')
    expect(lines[0]).toBe(
      'id,email,phone,externalId,firstName,lastName,companyId,lifecycleStage,source,createdAt,properties',
    )
    expect(
      lines
        .slice(1)
        .map((line) => line.split(',')[1])
        .sort(),
    ).toEqual(emails)
    const vip = await crm.call('POST', '/v1/crm/segments', {
      key: keys.otherOwner,
      body: {
        name: 'VIP',
        filterGroups: [{ filters: [{ propertyName: 'lifecycle', operator: 'EQ', value: 'vip' }] }],
      },
    })
    expect(vip.body.count).toBe(1)
    const typo = await crm.call('POST', '/v1/crm/segments', {
      key: keys.otherOwner,
      body: { name: 'x', filterGroups: [{ filters: [{ propertyName: 'rfm', operator: 'EQ', value: 'x' }] }] },
    })
    expect(typo.body).toMatchObject({ status: 400, field: 'filterGroups' })
  })
})

describe('analytics', () => {
  it('answers the visitors dashboard without bots or duplicates', async () => {
    const visitors = await crm.call('GET', `/v1/crm/analytics/visitors?${range}`)
    expect(visitors.status).toBe(200)
    expect(visitors.body).toMatchObject({
      visitors: 3,
      sessions: 3,
      pageViews: 5,
      bounceRate: 0.333,
      avgSessionSeconds: 66.7,
      topPages: [
        { path: '/', views: 3, visitors: 3 },
        { path: '/about', views: 1, visitors: 1 },
        { path: '/pricing', views: 1, visitors: 1 },
      ],
    })
    expect(visitors.body.sources).toEqual([
      { source: 'google', medium: 'cpc', campaign: 'spring', sessions: 1, visitors: 1 },
      { source: 'news.example', medium: '', campaign: '', sessions: 1, visitors: 1 },
      { source: 'newsletter', medium: 'email', campaign: 'launch', sessions: 1, visitors: 1 },
    ])
    expect(visitors.body.devices).toEqual(
      expect.arrayContaining([
        { dimension: 'deviceType', value: 'desktop', visitors: 2 },
        { dimension: 'deviceType', value: 'mobile', visitors: 1 },
        { dimension: 'browser', value: 'Chrome', visitors: 2 },
        { dimension: 'os', value: 'Android', visitors: 1 },
      ]),
    )
    const withBots = await crm.call('GET', `/v1/crm/analytics/visitors?${range}&includeBots=true`)
    expect(withBots.body.visitors).toBe(4)
  })

  it('answers leads by source and the visitor → lead → customer conversion', async () => {
    const leads = await crm.call('GET', `/v1/crm/analytics/leads?${range}`)
    expect(leads.body).toEqual({
      bySource: [
        { source: 'google', leads: 1 },
        { source: 'newsletter', leads: 1 },
      ],
      visitors: 3,
      leads: 2,
      customers: 1,
      visitorToLead: 0.6667,
      leadToCustomer: 0.5,
    })
  })

  it('credits leads, customers and revenue to the first campaign of each person', async () => {
    const campaigns = await crm.call('GET', `/v1/crm/analytics/campaigns?${range}`)
    expect(campaigns.body.results).toEqual([
      {
        source: 'google',
        medium: 'cpc',
        campaign: 'spring',
        visitors: 1,
        leads: 1,
        customers: 1,
        orders: 1,
        revenue: 100,
      },
      {
        source: 'newsletter',
        medium: 'email',
        campaign: 'launch',
        visitors: 1,
        leads: 1,
        customers: 0,
        orders: 0,
        revenue: 0,
      },
    ])
  })

  it('counts an ordered funnel within its window, people resolved through the identity map', async () => {
    const funnel = await crm.call('POST', '/v1/crm/analytics/funnel', {
      body: {
        steps: [
          { type: 'page', pathPrefix: '/' },
          { type: 'page', pathPrefix: '/pricing' },
          { type: 'track', event: 'Lead Created' },
          { type: 'track', event: 'Order Completed' },
        ],
        windowSeconds: 86_400,
        from: new Date(t0 - HOUR).toISOString(),
        to: new Date(now).toISOString(),
      },
    })
    expect(funnel.body.steps).toEqual([
      { step: 1, count: 3, conversionFromFirst: 1 },
      { step: 2, count: 1, conversionFromFirst: 0.3333 },
      { step: 3, count: 1, conversionFromFirst: 0.3333 },
      { step: 4, count: 1, conversionFromFirst: 0.3333 },
    ])
  })

  it('reports Core Web Vitals at p75 per page with their rating', async () => {
    const vitals = await crm.call('GET', `/v1/crm/analytics/web-vitals?${range}`)
    expect(vitals.body.results).toEqual([
      { path: '/', metric: 'CLS', p75: 0.3, samples: 1, rating: 'poor' },
      { path: '/', metric: 'LCP', p75: 2600, samples: 1, rating: 'needs-improvement' },
      { path: '/pricing', metric: 'INP', p75: 150, samples: 1, rating: 'good' },
    ])
  })
})
