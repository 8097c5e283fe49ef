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

beforeAll(async () => {
  receiver = createServer((request, response) => {
    let raw = ''
    request.on('data', (chunk: Buffer) => (raw += chunk.toString()))
    request.on('end', () => {
      deliveries.push({ path: request.url!, headers: request.headers, body: JSON.parse(raw), raw })
      response.statusCode = 204
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
