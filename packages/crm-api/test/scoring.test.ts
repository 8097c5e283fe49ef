/**
 * Lead scoring on real events: the incremental score (as events arrive, before or after they are
 * stored) equals the score rebuilt from ClickHouse, decays with time, and a contact crossing the
 * threshold fires one signed `contact.hot_lead` webhook, retried after a failure.
 */
import { createHmac } from 'node:crypto'
import { createServer, type IncomingMessage, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createEvent, startCrm, toChTime, type RunningCrm } from './helpers/start-crm.js'

const DAY = 86_400_000
const T = Date.UTC(2026, 9, 1, 12)

interface Delivery {
  headers: IncomingMessage['headers']
  body: string
}

let store: RunningCrm
let crm: RunningCrm
let receiver: Server
let receiverUrl: string
const deliveries: Delivery[] = []
let failNext = 0

beforeAll(async () => {
  receiver = createServer((request, response) => {
    let body = ''
    request.on('data', (chunk: Buffer) => (body += chunk.toString()))
    request.on('end', () => {
      deliveries.push({ headers: request.headers, body })
      response.statusCode = failNext > 0 ? (failNext--, 500) : 204
      response.end()
    })
  })
  await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve))
  receiverUrl = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/hooks`
  store = await startCrm()
  crm = await store.fork({ now: () => T, webhookRetryDelaysMs: [20] })
})
afterAll(async () => {
  await crm?.stop()
  await store?.stop()
  await new Promise((resolve) => receiver?.close(resolve))
})

async function contactIdOf(email: string): Promise<string> {
  const rows = await crm.rows<{ contact_id: string }>(
    `SELECT contact_id FROM crm_identities FINAL WHERE kind = 'email' AND value = {email:String}`,
    { email },
  )
  expect(rows).toHaveLength(1)
  return rows[0]!.contact_id
}

function visit(anon: string, offsetMs: number) {
  return [
    createEvent({
      anonymous_id: anon,
      path: '/',
      url: 'https://tostado.example/',
      timestamp: toChTime(T + offsetMs),
    }),
    createEvent({
      anonymous_id: anon,
      path: '/pricing',
      url: 'https://tostado.example/pricing',
      timestamp: toChTime(T + offsetMs),
    }),
  ]
}

/** A lead form; each person has their own phone (a shared phone would make them one contact). */
function lead(anon: string, email: string, phone: string, offsetMs: number) {
  return createEvent({
    type: 'track',
    event: 'Lead Created',
    anonymous_id: anon,
    url: 'https://tostado.example/',
    path: '/',
    engagement: 'high',
    score: 9,
    timestamp: toChTime(T + offsetMs),
    properties: { email, phone, name: 'Eva Lopez' },
  })
}

/** The default rules by hand: 2 page views (2 + 2+5 points, half-life 14 d), a lead (30, 90 d), attention (3 + 1, half-life 7 d), fit 25. */
function expectedAt(visitAgeDays: number, leadAgeDays: number) {
  const visits = 9 * 0.5 ** (visitAgeDays / 14)
  const attention = 4 * 0.5 ** (leadAgeDays / 7)
  const conversions = leadAgeDays < 90 ? 30 : 0
  const round = (value: number) => Math.round(value * 10) / 10
  return {
    fit: 25,
    engagement: round(visits + conversions + attention),
    total: round(Math.min(100, 25 + visits + conversions + attention)),
    groups: [
      { name: 'profile', kind: 'fit', points: 25, cap: 30 },
      { name: 'visits', kind: 'engagement', points: round(visits), cap: 20 },
      { name: 'conversions', kind: 'engagement', points: conversions, cap: 60 },
      { name: 'attention', kind: 'engagement', points: round(attention), cap: 15 },
    ],
  }
}

describe('lead score', () => {
  it('scores the anonymous visits and the lead incrementally, equal to a rebuild, and fires one signed hot-lead webhook', async () => {
    const hook = await crm.call('POST', '/v1/crm/webhooks', {
      body: { url: receiverUrl, events: ['contact.hot_lead'] },
    })
    expect(hook.status).toBe(201)
    expect(hook.body.secret).toMatch(/^whsec_/)
    failNext = 1
    await crm.ingest(visit('anon-eva', -2 * DAY))
    await crm.ingest([lead('anon-eva', 'eva@example.com', '+34 611 000 001', -DAY)])
    const id = await contactIdOf('eva@example.com')
    const incremental = await crm.call('GET', `/v1/crm/contacts/${id}/score`)
    expect(incremental.body).toMatchObject({ ...expectedAt(2, 1), hot: true })

    const rebuilt = await crm.call('POST', `/v1/crm/contacts/${id}/score/recompute`)
    expect(rebuilt.body).toMatchObject({ ...expectedAt(2, 1), hot: true })

    await crm.app.crm.whenIdle()
    const hotLeads = deliveries.filter((delivery) => JSON.parse(delivery.body).event === 'contact.hot_lead')
    // One crossing: a failed attempt, then its retry.
    expect(hotLeads).toHaveLength(2)
    expect(hotLeads[0]!.body).toBe(hotLeads[1]!.body)
    const delivery = hotLeads[1]!
    // Rastro's one webhook scheme, computed here independently of the signer.
    const timestamp = String(delivery.headers['x-rastro-timestamp'])
    expect(delivery.headers['x-rastro-signature']).toBe(
      createHmac('sha256', hook.body.secret).update(`${timestamp}.${delivery.body}`).digest('hex'),
    )
    expect(JSON.parse(delivery.body).data).toMatchObject({
      contact: { id, email: 'eva@example.com', firstName: 'Eva', lastName: 'Lopez' },
      score: { total: expectedAt(2, 1).total },
    })
    const log = await crm.call('GET', `/v1/crm/webhooks/${hook.body.id}/deliveries`)
    expect(log.body.results.map((row: any) => [row.attempt, row.status])).toEqual([
      [2, 204],
      [1, 500],
    ])

    // Still hot: another visit fires nothing more.
    await crm.ingest(visit('anon-eva', -DAY / 2))
    await crm.app.crm.whenIdle()
    expect(deliveries.filter((item) => JSON.parse(item.body).event === 'contact.hot_lead')).toHaveLength(2)
  })

  it('decays engagement with time and drops conversions past their time frame', async () => {
    await crm.ingest(visit('anon-fay', -2 * DAY))
    await crm.ingest([lead('anon-fay', 'fay@example.com', '+34 611 000 002', -DAY)])
    const id = await contactIdOf('fay@example.com')
    const later = await store.fork({ now: () => T + 28 * DAY })
    const past = await store.fork({ now: () => T + 95 * DAY })
    try {
      expect((await later.call('GET', `/v1/crm/contacts/${id}/score`)).body).toMatchObject(expectedAt(30, 29))
      expect((await past.call('GET', `/v1/crm/contacts/${id}/score`)).body).toMatchObject(expectedAt(97, 96))
    } finally {
      await later.stop()
      await past.stop()
    }
  })

  it('counts events handed to the feed before ClickHouse has stored them (a log consumer ahead of the writer)', async () => {
    const batch = [
      ...visit('anon-gil', -2 * DAY),
      lead('anon-gil', 'gil@example.com', '+34 611 000 003', -DAY),
    ]
    await crm.app.crm.onEvents(batch)
    const id = await contactIdOf('gil@example.com')
    expect((await crm.call('GET', `/v1/crm/contacts/${id}/score`)).body).toMatchObject(expectedAt(2, 1))
    // A redelivery of the same batch (SDK retry, log replay) is not counted twice.
    await crm.app.crm.onEvents(batch)
    expect((await crm.call('GET', `/v1/crm/contacts/${id}/score`)).body.total).toBe(expectedAt(2, 1).total)
  })

  it('rescores every contact when the rules change', async () => {
    const rules = {
      groups: [
        { name: 'who', kind: 'fit', cap: 50 },
        { name: 'did', kind: 'engagement', cap: 50, timeFrameDays: 30 },
      ],
      fit: [
        { group: 'who', where: { property: 'emailDomain', operator: 'eq', value: 'example.com' }, points: 7 },
      ],
      engagement: [{ group: 'did', type: 'page', pathPrefix: '/pricing', points: 11 }],
      totalCap: 100,
      hotLeadThreshold: 90,
    }
    const put = await crm.call('PUT', '/v1/crm/scoring/rules', { body: rules })
    expect(put.status).toBe(200)
    expect(put.body.rescored).toBeGreaterThanOrEqual(3)
    const id = await contactIdOf('eva@example.com')
    // Eva visited /pricing twice (2 days and half a day ago).
    expect((await crm.call('GET', `/v1/crm/contacts/${id}/score`)).body).toMatchObject({
      fit: 7,
      engagement: 22,
      total: 29,
    })
    const bad = await crm.call('PUT', '/v1/crm/scoring/rules', {
      body: { ...rules, engagement: [{ group: 'nope', points: 1 }] },
    })
    expect(bad.body).toMatchObject({ status: 400, field: 'engagement.0.group' })
  })
})
