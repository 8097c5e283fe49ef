/**
 * Record-change webhooks on a real embedded ClickHouse: a subscription gets the `crm_changes`
 * actions it names (`contact.created`, `deal.stage_changed`…), from API writes and from the event
 * feed alike, signed, and nothing else; one that names none of them gets nothing.
 */
import { createHmac } from 'node:crypto'
import { createServer, type IncomingMessage, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createEvent, startCrm, type RunningCrm } from './helpers/start-crm.js'

interface Delivery {
  path: string
  headers: IncomingMessage['headers']
  body: { id: string; event: string; data: Record<string, any> }
  raw: string
}

let crm: RunningCrm
let receiver: Server
let receiverUrl: string
const deliveries: Delivery[] = []
/** Requests to `/down` answered 503 before it comes back. */
let downFor = 0

beforeAll(async () => {
  receiver = createServer((request, response) => {
    let raw = ''
    request.on('data', (chunk: Buffer) => (raw += chunk.toString()))
    request.on('end', () => {
      deliveries.push({ path: request.url!, headers: request.headers, body: JSON.parse(raw), raw })
      response.statusCode = request.url === '/down' && downFor-- > 0 ? 503 : 204
      response.end()
    })
  })
  await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve))
  receiverUrl = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}`
  crm = await startCrm()
})
afterAll(async () => {
  await crm?.stop()
  await new Promise((resolve) => receiver?.close(resolve))
})

describe('record-change webhooks', () => {
  it('sends each subscription the changes it names, from the API and the event feed, signed', async () => {
    const sales = await crm.call('POST', '/v1/crm/webhooks', {
      body: { url: `${receiverUrl}/sales`, events: ['contact.created', 'deal.stage_changed'] },
    })
    expect(sales.status).toBe(201)
    const notes = await crm.call('POST', '/v1/crm/webhooks', {
      body: { url: `${receiverUrl}/notes`, events: ['note.created'] },
    })
    expect(notes.status).toBe(201)

    const contact = await crm.call('POST', '/v1/crm/contacts', { body: { email: 'hook@example.com' } })
    const deal = await crm.call('POST', '/v1/crm/deals', {
      body: { name: 'Hooked', amountMinor: 5_000, currency: 'EUR', contactId: contact.body.id },
    })
    await crm.call('PATCH', `/v1/crm/deals/${deal.body.id}`, {
      body: { stageId: 'proposal' },
      headers: { 'if-match': `"${deal.body.version}"` },
    })
    // A person the event feed makes a contact of.
    await crm.ingest([
      createEvent({
        type: 'identify',
        anonymous_id: 'anon-hook',
        traits: { email: 'fed@example.com' },
      }),
    ])
    await crm.app.crm.whenIdle()

    const sent = deliveries.filter((delivery) => delivery.path === '/sales')
    expect(sent.map((delivery) => delivery.body.event).sort()).toEqual([
      'contact.created',
      'contact.created',
      'deal.stage_changed',
    ])
    expect(deliveries.filter((delivery) => delivery.path === '/notes')).toEqual([])
    const created = sent.find((delivery) => delivery.body.data.objectId === contact.body.id)!
    expect(created.body.data).toMatchObject({ object: 'contact', contactId: contact.body.id })
    expect(JSON.stringify(created.body.data.changes)).toContain('hook@example.com')
    const fed = sent.find(
      (delivery) =>
        delivery.body.event === 'contact.created' && delivery.body.data.objectId !== contact.body.id,
    )!
    expect(fed.body.data.actor).toBe('feed')
    const moved = sent.find((delivery) => delivery.body.event === 'deal.stage_changed')!
    expect(moved.body.data).toMatchObject({ object: 'deal', objectId: deal.body.id })
    const timestamp = String(moved.headers['x-rastro-timestamp'])
    expect(moved.headers['x-rastro-signature']).toBe(
      createHmac('sha256', sales.body.secret).update(`${timestamp}.${moved.raw}`).digest('hex'),
    )
  })

  it('refuses an event no CRM record has', async () => {
    const answer = await crm.call('POST', '/v1/crm/webhooks', {
      body: { url: `${receiverUrl}/x`, events: ['contact.exploded'] },
    })
    expect(answer.body).toMatchObject({ status: 400, field: 'events.0' })
  })
})

describe('webhook retries', () => {
  it('keeps a delivery whose quick retries failed, and a CRM started later delivers it', async () => {
    // This CRM retries once, quickly, then keeps the delivery; it never looks for due ones itself.
    const first = await crm.fork({
      webhookRetryDelaysMs: [10],
      webhookLaterRetries: { delaysMs: [0, 0], pollMs: 3_600_000 },
    })
    const hook = await first.call('POST', '/v1/crm/webhooks', {
      body: { url: `${receiverUrl}/down`, events: ['company.created'] },
    })
    downFor = 3
    const company = await first.call('POST', '/v1/crm/companies', { body: { name: 'Retry Roasters' } })
    expect(company.status).toBe(201)
    await first.app.crm.whenIdle()
    await first.stop()
    const kept = await crm.rows<{ attempt: number }>(
      'SELECT attempt FROM crm_webhook_retries FINAL WHERE webhook_id = {id:String}',
      { id: hook.body.id },
    )
    expect(kept).toEqual([{ attempt: 3 }])

    // Another process of the CRM (a restart) sends it when due: one more failure, then delivered.
    const second = await crm.fork({
      webhookRetryDelaysMs: [10],
      webhookLaterRetries: { delaysMs: [0, 0], pollMs: 50 },
    })
    try {
      const log = async () =>
        (await second.call('GET', `/v1/crm/webhooks/${hook.body.id}/deliveries`)).body.results as {
          attempt: number
          status: number
        }[]
      const deadline = Date.now() + 10_000
      while (!(await log()).some((row) => row.status === 204) && Date.now() < deadline)
        await new Promise((resolve) => setTimeout(resolve, 50))
      expect((await log()).map((row) => [row.attempt, row.status]).sort()).toEqual([
        [1, 503],
        [2, 503],
        [3, 503],
        [4, 204],
      ])
      const sent = deliveries.filter((delivery) => delivery.path === '/down')
      expect(new Set(sent.map((delivery) => delivery.body.id)).size).toBe(1)
      expect(sent.at(-1)!.body.data).toMatchObject({ object: 'company', objectId: company.body.id })
      await second.app.crm.whenIdle()
      expect(
        await crm.rows('SELECT attempt FROM crm_webhook_retries FINAL WHERE webhook_id = {id:String}', {
          id: hook.body.id,
        }),
      ).toEqual([])
    } finally {
      await second.stop()
    }
  })
})
