/**
 * Deal rules on real events through the feed, against the embedded ClickHouse: a lead opens a deal
 * in the pipeline's first stage, an order wins it with its amount (a repeat order wins a new one),
 * replayed batches open and move nothing twice, bots and a tenant with the rules off get no deals.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { getOrderAmount } from '../src/feed/apply-deal-rules.js'
import { createEvent, keys, startCrm, type RunningCrm } from './helpers/start-crm.js'

let crm: RunningCrm

beforeAll(async () => {
  crm = await startCrm()
})
afterAll(async () => {
  await crm?.stop()
})

async function contactIdOf(email: string, tenant = 'one'): Promise<string> {
  const rows = await crm.rows<{ contact_id: string }>(
    `SELECT contact_id FROM crm_identities FINAL WHERE tenant_id = {tenant:String} AND kind = 'email' AND value = {email:String}`,
    { email, tenant },
  )
  expect(rows).toHaveLength(1)
  return rows[0]!.contact_id
}

async function dealsOf(contactId: string, key = keys.owner): Promise<any[]> {
  const answer = await crm.call('GET', `/v1/crm/deals?contactId=${contactId}`, { key })
  expect(answer.status).toBe(200)
  return answer.body.results
}

/** What the landing page sends on a lead form: the track, then the SDK's conversion for it. */
function leadForm(anon: string, email: string, name: string) {
  const lead = createEvent({
    type: 'track',
    event: 'Lead Created',
    anonymous_id: anon,
    path: '/',
    library_name: '@rastro/browser',
    properties: { form: 'wholesale', name, email },
  })
  const conversion = createEvent({
    type: 'track',
    event: 'Conversion',
    anonymous_id: anon,
    path: '/',
    library_name: '@rastro/browser',
    properties: { rule: 'lead', value: 0, event: 'Lead Created', sourceMessageId: lead.message_id },
  })
  return [lead, conversion]
}

function order(anon: string, orderId: string, revenue: number, currency = 'EUR') {
  return createEvent({
    type: 'track',
    event: 'Order Completed',
    anonymous_id: anon,
    properties: { order_id: orderId, revenue, total: revenue + 4.9, currency },
  })
}

describe('a lead, then an order', () => {
  let contactId: string
  let dealId: string
  const rows = [...leadForm('anon-ana', 'ana@example.com', 'Ana Souza')]
  const orderRow = order('anon-ana', 'T-1001', 38)

  it('opens one deal in the first stage for the lead form and its conversion', async () => {
    await crm.ingest(rows)
    contactId = await contactIdOf('ana@example.com')
    const deals = await dealsOf(contactId)
    expect(deals).toEqual([
      expect.objectContaining({
        name: 'Ana Souza – Lead Created',
        pipelineId: 'default',
        stageId: 'new',
        status: 'open',
        amountMinor: 0,
        contactId,
        closedAt: null,
      }),
    ])
    dealId = deals[0].id
    const timeline = await crm.call('GET', `/v1/crm/contacts/${contactId}/timeline`)
    const created = timeline.body.results.filter((item: any) => item.name === 'deal.created')
    expect(created).toHaveLength(1)
  })

  it('wins that deal with the order amount in cents, on the timeline like a board move', async () => {
    await crm.ingest([orderRow])
    const deals = await dealsOf(contactId)
    expect(deals).toEqual([
      expect.objectContaining({
        id: dealId,
        name: 'Ana Souza – Lead Created',
        stageId: 'won',
        status: 'won',
        probability: 1,
        amountMinor: 3800,
        currency: 'EUR',
        closedAt: expect.any(String),
      }),
    ])
    const timeline = await crm.call('GET', `/v1/crm/contacts/${contactId}/timeline`)
    const moves = timeline.body.results
      .filter((item: any) => item.name === 'deal.stage_changed')
      .map((item: any) => `${item.properties.from}→${item.properties.to} ${item.properties.status}`)
    expect(moves).toEqual(['new→won won'])
    const board = await crm.call('GET', '/v1/crm/pipelines/default/board')
    const won = board.body.stages.find((column: any) => column.stage.id === 'won')
    expect(won.deals.map((deal: any) => deal.id)).toEqual([dealId])
    expect(won.amounts).toEqual([expect.objectContaining({ currency: 'EUR', amountMinor: 3800 })])
  })

  it('opens and moves nothing again when the batches are replayed, in this process or after a restart', async () => {
    await crm.ingest([...rows, orderRow])
    // A fresh plugin remembers no message id: the replay is caught by the audit log alone.
    const restarted = await crm.fork({})
    try {
      await restarted.app.crm.onEvents([...rows, orderRow])
      await restarted.app.crm.onEvents([orderRow])
    } finally {
      await restarted.app.close()
    }
    const deals = await dealsOf(contactId)
    expect(deals.map((deal) => `${deal.id} ${deal.stageId} ${deal.amountMinor}`)).toEqual([
      `${dealId} won 3800`,
    ])
    const [changes] = await crm.rows<{ n: string }>(
      `SELECT count() AS n FROM crm_changes WHERE object = 'deal' AND contact_id = {contactId:String}`,
      { contactId },
    )
    // deal.created, then deal.updated + deal.stage_changed for the order.
    expect(Number(changes!.n)).toBe(3)
  })

  it('wins a new deal for a repeat order when no deal is open', async () => {
    await crm.ingest([order('anon-ana', 'T-1002', 12.5)])
    const deals = await dealsOf(contactId)
    expect(deals.map((deal) => [deal.name, deal.status, deal.amountMinor, deal.currency])).toEqual([
      ['Ana Souza – Lead Created', 'won', 3800, 'EUR'],
      ['Ana Souza – Order Completed', 'won', 1250, 'EUR'],
    ])
  })
})

describe('other leads and orders', () => {
  it('a server-side sign-up opens a deal named after the email; an order in the same batch wins it', async () => {
    const signUp = createEvent({
      type: 'track',
      event: 'Signed Up',
      user_id: 'u-77',
      properties: { email: 'bo@example.com', plan: 'pro' },
    })
    const paid = createEvent({
      type: 'track',
      event: 'Order Completed',
      user_id: 'u-77',
      properties: { order_id: 'J-1', total: 5000, currency: 'jpy' },
    })
    await crm.ingest([signUp, paid])
    const deals = await dealsOf(await contactIdOf('bo@example.com'))
    expect(deals).toEqual([
      expect.objectContaining({
        name: 'bo@example.com – Signed Up',
        status: 'won',
        amountMinor: 5000,
        currency: 'JPY',
      }),
    ])
  })

  it('an order without an open deal and without a lead wins a deal straight away', async () => {
    await crm.ingest([
      createEvent({
        type: 'identify',
        anonymous_id: 'anon-cy',
        traits: { email: 'cy@example.com', firstName: 'Cy' },
      }),
      order('anon-cy', 'T-2001', 20, 'USD'),
    ])
    const deals = await dealsOf(await contactIdOf('cy@example.com'))
    expect(deals.map((deal) => [deal.name, deal.stageId, deal.amountMinor, deal.currency])).toEqual([
      ['Cy – Order Completed', 'won', 2000, 'USD'],
    ])
  })

  it('bots open no deal', async () => {
    await crm.ingest(leadForm('anon-bot', 'bot@example.com', 'Bot Bot').map((row) => ({ ...row, bot: 1 })))
    const [count] = await crm.rows<{ n: string }>(`SELECT count() AS n FROM crm_deals WHERE name LIKE 'Bot%'`)
    expect(Number(count!.n)).toBe(0)
  })

  it('an anonymous visitor’s conversion opens no deal (there is no contact yet)', async () => {
    const before = await crm.rows(`SELECT id FROM crm_deals FINAL`)
    await crm.ingest([leadForm('anon-nobody', 'x@example.com', 'X')[1]!])
    expect(await crm.rows(`SELECT id FROM crm_deals FINAL`)).toHaveLength(before.length)
  })
})

describe('the deal rules setting', () => {
  it('is on by default and can be turned off per tenant: then leads and orders open no deal', async () => {
    const defaults = await crm.call('GET', '/v1/crm/deals/rules', { key: keys.otherOwner })
    expect(defaults.body).toEqual({
      enabled: true,
      pipelineId: 'default',
      leadEvents: ['Lead Created', 'Signed Up', 'Trial Started'],
      leadConversionRules: ['lead'],
      orderEvents: ['Order Completed'],
      defaultCurrency: 'USD',
    })
    const off = await crm.call('PUT', '/v1/crm/deals/rules', {
      key: keys.otherOwner,
      body: { enabled: false },
    })
    expect(off.status).toBe(200)
    expect(off.body.enabled).toBe(false)
    const two = (row: ReturnType<typeof createEvent>) => ({ ...row, tenant_id: 'two' })
    await crm.ingest(
      [...leadForm('anon-off', 'off@example.com', 'Off Person'), order('anon-off', 'O-1', 9)].map(two),
    )
    const contactId = await contactIdOf('off@example.com', 'two')
    expect(await dealsOf(contactId, keys.otherOwner)).toEqual([])
    // Tenant one's rules are still on.
    expect((await crm.call('GET', '/v1/crm/deals/rules')).body.enabled).toBe(true)
  })

  it('is changed by owners only, and refuses a pipeline that does not exist', async () => {
    const editor = await crm.call('PUT', '/v1/crm/deals/rules', { key: keys.editor, body: {} })
    expect(editor.status).toBe(403)
    const missing = await crm.call('PUT', '/v1/crm/deals/rules', { body: { pipelineId: 'nowhere' } })
    expect(missing.status).toBe(400)
    expect(missing.body).toMatchObject({ field: 'pipelineId' })
  })
})

describe('getOrderAmount', () => {
  it('reads revenue, else value, else total, in the currency’s minor units', () => {
    expect(getOrderAmount({ revenue: 29, total: 33.9, currency: 'EUR' }, 'USD')).toEqual({
      amountMinor: 2900,
      currency: 'EUR',
    })
    expect(getOrderAmount({ total: 33.9 }, 'USD')).toEqual({ amountMinor: 3390, currency: 'USD' })
    expect(getOrderAmount({ value: 1.234, currency: 'kwd' }, 'USD')).toEqual({
      amountMinor: 1234,
      currency: 'KWD',
    })
    expect(getOrderAmount({ revenue: '12', currency: 'euro' }, 'EUR')).toEqual({
      amountMinor: 0,
      currency: 'EUR',
    })
  })
})
