/**
 * The example as its README runs it: the checkout endpoint, called with the browser SDK's and
 * Meta's cookies, lands an Order Completed in the real collector with the visitor's ids.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { createServer, loadConfig } from '@rastro/collector'
import { Rastro } from '@rastro/node'
import { afterAll, beforeAll, expect, it } from 'vitest'
import { createApp } from '../create-app.js'

let collector
let dataDir

beforeAll(async () => {
  dataDir = mkdtempSync(join(tmpdir(), 'rastro-example-'))
  // The demo config of the repo, so the README's write key is the one under test.
  const configPath = join(dataDir, 'rastro.config.json')
  writeFileSync(configPath, readFileSync(join(import.meta.dirname, '../../rastro.config.json')))
  const config = loadConfig({
    configPath,
    env: {},
    flags: { dataDir, port: 0, host: '127.0.0.1', flushIntervalMs: 50, logLevel: 'warn' },
  })
  collector = await createServer({ config, logger: false })
  await collector.listen({ port: 0, host: '127.0.0.1' })
})
afterAll(async () => {
  await collector?.close()
  if (dataDir) rmSync(dataDir, { recursive: true, force: true })
})

it('sends Order Completed with the ids of the visitor who checked out', async () => {
  const { port } = collector.server.address()
  const rastro = new Rastro({ host: `http://127.0.0.1:${port}`, writeKey: 'wk_demo_server' })
  const app = createApp({ rastro, logger: false })
  const response = await app.inject({
    method: 'POST',
    url: '/checkout',
    headers: {
      cookie: 'rastro_aid=visitor-1; rastro_sid=session-1.1795300000000; _fbp=fb.1.1700000000000.42',
      'user-agent': 'Mozilla/5.0 (X11; Linux x86_64) Firefox/128.0',
    },
    payload: {
      email: 'ana@example.com',
      items: [{ sku: 'beans-1kg', name: 'Beans 1 kg', price: 24, quantity: 2 }],
    },
  })
  expect(response.statusCode).toBe(200)
  const { orderId } = response.json()
  await app.close()

  // The collector acknowledges once the order is in its write-ahead log; ClickHouse follows.
  await collector.whenStored()
  const result = await collector.store.client.query({
    query: `SELECT anonymous_id, session_id, properties, JSONExtractString(context, 'fbp') AS fbp,
      JSONExtractString(context, 'traits', 'email') AS email
      FROM events WHERE message_id = {id:String}`,
    query_params: { id: `order-${orderId}` },
    format: 'JSONEachRow',
  })
  const rows = await result.json()
  expect(rows).toHaveLength(1)
  expect(rows[0]).toMatchObject({
    anonymous_id: 'visitor-1',
    session_id: 'session-1',
    fbp: 'fb.1.1700000000000.42',
    email: 'ana@example.com',
  })
  expect(JSON.parse(rows[0].properties)).toMatchObject({ order_id: orderId, currency: 'EUR', value: 48 })
})
