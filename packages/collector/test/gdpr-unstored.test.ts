/**
 * A GDPR delete of a person whose latest events are acknowledged but still in the log (the writer
 * inserts them at its next flush): the delete waits for them to be in ClickHouse, so their insert
 * cannot bring the person's rows back after the delete.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { pageView } from './helpers/page-view.js'
import { waitFor } from './helpers/start-forwarding-collector.js'
import {
  keys,
  postBatch,
  queryRows,
  startCollector,
  type RunningCollector,
} from './helpers/start-collector.js'

let collector: RunningCollector
const owner = { authorization: `Bearer ${keys.secretKey}` }

beforeAll(async () => {
  // A flush every 3 s: an event acknowledged just before the delete is still in the log when it comes.
  collector = await startCollector({ flushIntervalMs: 3000 })
})
afterAll(async () => collector?.stop())

describe('GDPR delete', () => {
  it('erases the events acknowledged just before it, which the writer had not inserted yet', async () => {
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
    expect((await postBatch(collector, [pageView('late-2', 'late-visitor', '/pricing')])).status).toBe(200)

    const erase = await fetch(`${collector.url}/v1/crm/gdpr/delete`, {
      method: 'POST',
      headers: { ...owner, 'content-type': 'application/json' },
      body: JSON.stringify({ email }),
    })
    expect(erase.status).toBe(200)
    expect(((await erase.json()) as { erased: Record<string, number> }).erased.events).toBe(2)
    const left = await queryRows(
      collector,
      "SELECT message_id FROM events WHERE anonymous_id = 'late-visitor' OR message_id LIKE 'late-%'",
    )
    expect(left).toEqual([])
  })
})
