/**
 * A GDPR delete of a person whose latest events are acknowledged but still in the log: the writer
 * inserts them at its next flush, a destination is still sending them. The delete waits for both,
 * so their insert cannot bring the person's rows back, nor their forwarding leave rows of their
 * events in `forward_log`, after the delete.
 */
import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { pageView } from './helpers/page-view.js'
import { waitFor } from './helpers/start-forwarding-collector.js'
import {
  keys,
  postBatch,
  queryRows,
  startCollector,
  testConfig,
  type RunningCollector,
} from './helpers/start-collector.js'

let collector: RunningCollector
let hook: Server
const hookBodies: string[] = []
const owner = { authorization: `Bearer ${keys.secretKey}` }

beforeAll(async () => {
  // A webhook that takes 5 s to answer, longer than the writer's flush: an event acknowledged
  // just before the delete is still being sent when the delete has its events in ClickHouse.
  hook = createServer((request, response) => {
    let body = ''
    request.on('data', (chunk: Buffer) => (body += chunk.toString()))
    request.on('end', () => {
      hookBodies.push(body)
      setTimeout(() => response.end('ok'), 5000)
    })
  })
  await new Promise<void>((resolve) => hook.listen(0, '127.0.0.1', resolve))
  const [tenant, ...others] = testConfig.tenants
  collector = await startCollector({
    config: {
      ...testConfig,
      tenants: [
        {
          ...tenant!,
          defaultConsent: { analytics: true, marketing: true },
          destinations: [
            {
              id: 'hook',
              type: 'webhook',
              url: `http://127.0.0.1:${(hook.address() as AddressInfo).port}/rastro`,
              secret: 'a-webhook-secret-for-tests',
              events: ['Pricing Viewed'],
              flushIntervalMs: 20,
            },
          ],
        },
        ...others,
      ],
    },
    // A flush every 3 s: an event acknowledged just before the delete is still in the log when it comes.
    flushIntervalMs: 3000,
  })
})
afterAll(async () => {
  await collector?.stop()
  hook?.closeAllConnections()
  hook?.close()
})

describe('GDPR delete', () => {
  it(
    'erases the events acknowledged just before it, which the writer had not inserted nor a destination sent yet',
    { timeout: 60_000 },
    async () => {
      const email = `late-${Date.now()}@example.com`
      expect(
        (
          await postBatch(collector, [
            { type: 'identify', messageId: 'late-1', anonymousId: 'late-visitor', traits: { email } },
          ])
        ).status,
      ).toBe(200)
      // The CRM reads the log, not ClickHouse: the contact is there before the events are stored.
      await waitFor('the contact', async () => {
        const response = await fetch(`${collector.url}/v1/crm/contacts?q=${encodeURIComponent(email)}`, {
          headers: owner,
        })
        return ((await response.json()) as { results: unknown[] }).results.length > 0
      })
      expect(
        (
          await postBatch(collector, [
            pageView('late-2', 'late-visitor', '/pricing'),
            { type: 'track', event: 'Pricing Viewed', messageId: 'late-3', anonymousId: 'late-visitor' },
          ])
        ).status,
      ).toBe(200)
      // The webhook has the event in hand (it answers in 5 s) when the delete comes.
      await waitFor('the webhook to be sent the event', () =>
        hookBodies.some((body) => body.includes('late-3')),
      )

      const erase = await fetch(`${collector.url}/v1/crm/gdpr/delete`, {
        method: 'POST',
        headers: { ...owner, 'content-type': 'application/json' },
        body: JSON.stringify({ email }),
      })
      expect(erase.status).toBe(200)
      expect(((await erase.json()) as { erased: Record<string, number> }).erased.events).toBe(3)
      await collector.app.whenProcessed()
      const left = await queryRows(
        collector,
        "SELECT message_id FROM events WHERE anonymous_id = 'late-visitor' OR message_id LIKE 'late-%'",
      )
      expect(left).toEqual([])
      const forwarded = await queryRows(
        collector,
        "SELECT event_id, outcome FROM forward_log WHERE event_id LIKE 'late-%'",
      )
      expect(forwarded).toEqual([])
    },
  )
})
