/**
 * The forwarding runner on a real log and the real embedded ClickHouse, sending to the fake Meta:
 * what a crash leaves behind (a range persisted as the cursor's intent, part of it already in the
 * delivery ledger) is handled again without re-sending what the ledger holds as delivered.
 */
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { ClickHouseClient } from '@clickhouse/client'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { metaDestinationSchema } from '../../src/config/destination-schema.js'
import { encodeEventRows } from '../../src/ingest/encode-event-rows.js'
import { toClickHouseTime, type EventRow } from '../../src/ingest/event-row.js'
import { createRow } from '../../src/ingest/steps/index.js'
import { ForwardRunner, getConsumerName } from '../../src/forward/forward-runner.js'
import { ForwardStore } from '../../src/forward/forward-store.js'
import { MetaDestination } from '../../src/forward/meta-destination.js'
import { createStore } from '../../src/store/create-store-client.js'
import { runMigrations } from '../../src/store/run-migrations.js'
import { startFakeMeta, type FakeMeta } from '../helpers/fake-meta.js'
import { openTestLog, quietLogger, testSite } from '../helpers/test-site.js'

const site = testSite('crash')

let dir: string
let client: ClickHouseClient
let meta: FakeMeta

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'rastro-runner-'))
  client = createStore({ dataDir: dir }).client
  ;[meta] = await Promise.all([startFakeMeta(), runMigrations(client)])
})
afterAll(async () => {
  await client.close()
  await meta.close()
  rmSync(dir, { recursive: true, force: true })
})

function purchase(messageId: string): EventRow {
  return {
    ...createRow({ site, receivedAt: Date.now(), sentAt: undefined, ip: '', userAgent: '' }),
    type: 'track',
    message_id: messageId,
    user_id: `customer-${messageId}`,
    event: 'Order Completed',
    timestamp: toClickHouseTime(Date.now()),
    properties: JSON.stringify({ order_id: messageId, value: 5, currency: 'EUR' }),
    context: JSON.stringify({ consent: { categoryPreferences: { analytics: true, marketing: true } } }),
  }
}

describe('ForwardRunner after a crash', () => {
  it('handles the interrupted range again, skipping events the ledger holds as delivered', async () => {
    const log = openTestLog(join(dir, 'log'))
    const config = metaDestinationSchema.parse({
      type: 'meta',
      id: 'meta',
      pixelId: meta.pixelId,
      accessToken: [...meta.tokens][0],
      apiUrl: meta.url,
      flushIntervalMs: 10,
    })
    const store = new ForwardStore(client, { owner: log.id })
    // An event from before the destination existed: a new destination starts at the head.
    await log.append(encodeEventRows([purchase('before')]))
    const cursor = log.openCursor(getConsumerName('crash', 'meta'), { start: 'head' })
    const from = cursor.position
    const to = await log.append(encodeEventRows(['one', 'two', 'three'].map(purchase)))
    // The state a crash left: the range as intent, `one` delivered and recorded, the cursor not moved.
    await cursor.commit({ position: from, intent: { from, to } })
    await store.write(
      'crash',
      'meta',
      {
        ledger: [
          { eventId: 'one', eventName: 'Purchase', eventTimeMs: Date.now(), state: 'delivered', attempts: 1 },
        ],
        log: [],
        retries: [],
        deadLetters: [],
      },
      Date.now(),
    )

    const runner = new ForwardRunner({
      destination: new MetaDestination('crash', config),
      log,
      store,
      logger: quietLogger,
      defaultConsent: { analytics: false, marketing: false },
      maxLagBytes: 1 << 30,
    })
    runner.start()
    await meta.waitForEvents(2)
    await new Promise((resolve) => setTimeout(resolve, 300))
    await runner.close()
    expect(meta.events.map((event) => event.event_id).sort()).toEqual(['three', 'two'])
    expect(cursor.intent).toBeUndefined()
    expect(cursor.position).toBe(to)
    expect(await store.findDelivered('crash', 'meta', ['one', 'two', 'three', 'before'])).toEqual(
      new Set(['one', 'two', 'three']),
    )
    await log.close()
  })
})
