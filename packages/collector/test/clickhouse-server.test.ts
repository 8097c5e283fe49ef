/**
 * The collector on a ClickHouse server (`CLICKHOUSE_URL`, `CLICKHOUSE_USER`, `CLICKHOUSE_PASSWORD`):
 * migrations, the writer, the queries and the CRM feed's worker (a client of its own) all talk to
 * ClickHouse over HTTP, here to ClickHouse's HTTP interface served over the embedded engine
 * (`helpers/clickhouse-http-server.ts`); the server goes down and comes back. Its own file: chDB
 * opens one data directory per process.
 */
import { existsSync, mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it, onTestFinished, vi } from 'vitest'
import { startClickHouseHttp, type ClickHouseHttpServer } from './helpers/clickhouse-http-server.js'
import { pageView } from './helpers/page-view.js'
import { keys, postBatch, startCollector, type RunningCollector } from './helpers/start-collector.js'

const USER = 'rastro'
/** Characters a URL or Basic auth could mangle. */
const PASSWORD = 'p@ss:wörd/ 1'

let clickhouse: ClickHouseHttpServer
let collector: RunningCollector
const enginePath = mkdtempSync(join(tmpdir(), 'rastro-clickhouse-'))

beforeAll(async () => {
  clickhouse = await startClickHouseHttp({ path: enginePath, username: USER, password: PASSWORD })
  collector = await startCollector({
    env: { CLICKHOUSE_URL: clickhouse.url, CLICKHOUSE_USER: USER, CLICKHOUSE_PASSWORD: PASSWORD },
  })
})
afterAll(async () => {
  await collector?.stop()
  await clickhouse?.close()
  rmSync(enginePath, { recursive: true, force: true })
})

/** Rows read straight from the engine, not through the collector. */
async function engineRows<T>(query: string): Promise<T[]> {
  return (await clickhouse.client.query({ query, format: 'JSONEachRow' })).json<T>()
}

/** Stored rows per message id of the events whose id starts with `prefix`. */
async function storedCounts(prefix: string): Promise<Map<string, number>> {
  await collector.app.whenStored(60_000)
  const rows = await engineRows<{ message_id: string; n: string }>(
    `SELECT message_id, count() AS n FROM events WHERE startsWith(message_id, '${prefix}') GROUP BY message_id`,
  )
  return new Map(rows.map((row) => [row.message_id, Number(row.n)]))
}

const secret = { authorization: `Bearer ${keys.secretKey}` }

describe('with CLICKHOUSE_URL', () => {
  it('creates its tables on the server and leaves the embedded engine unopened', async () => {
    expect(collector.app.store.embedded).toBe(false)
    const tables = (
      await engineRows<{ name: string }>("SELECT name FROM system.tables WHERE database = 'default'")
    ).map((row) => row.name)
    expect(tables).toEqual(
      expect.arrayContaining(['events', 'crm_contacts', 'crm_identities', 'rastro_migrations']),
    )
    expect(existsSync(join(collector.dataDir, 'clickhouse'))).toBe(false)
    expect(clickhouse.counts.unauthorized).toBe(0)
  })

  it('stores events once, answers analytics with parameters sent in the URL, and feeds the CRM from its worker', async () => {
    const email = `ana-${Date.now()}@example.com`
    const response = await postBatch(collector, [
      pageView('srv-1', 'ana', '/'),
      pageView('srv-2', 'ana', '/pricing'),
      // A path with what a URL parameter or an escaped text must carry intact.
      pageView('srv-3', 'ben', "/it's\ta \\ café"),
      { type: 'identify', messageId: 'srv-4', anonymousId: 'ana', traits: { email, name: 'Ana' } },
      {
        type: 'track',
        messageId: 'srv-5',
        anonymousId: 'ana',
        event: 'Order Completed',
        properties: { revenue: 12.5 },
        context: { sessionId: 's-ana' },
      },
    ])
    expect(response.status).toBe(200)
    expect(await storedCounts('srv-')).toEqual(
      new Map(['srv-1', 'srv-2', 'srv-3', 'srv-4', 'srv-5'].map((id) => [id, 1])),
    )

    const overview = await fetch(`${collector.url}/v1/analytics/overview`, { headers: secret })
    expect(overview.status).toBe(200)
    expect(((await overview.json()) as any).current).toMatchObject({ visitors: 2, pageViews: 3 })
    const pages = await fetch(`${collector.url}/v1/analytics/breakdown?by=pages`, { headers: secret })
    const paths = ((await pages.json()) as any).breakdowns[0].results.map(
      (row: { value: string }) => row.value,
    )
    expect(paths).toEqual(expect.arrayContaining(['/', '/pricing', "/it's\ta \\ café"]))
    const funnel = await fetch(`${collector.url}/v1/analytics/funnel`, {
      method: 'POST',
      headers: { ...secret, 'content-type': 'application/json' },
      body: JSON.stringify({ steps: [{ path: '/' }, { path: '/pricing' }, { event: 'Order Completed' }] }),
    })
    expect(((await funnel.json()) as any).steps.map((step: any) => step.visitors)).toEqual([1, 1, 1])

    // The identify reached the CRM through the worker's own client: the contact is there, with
    // its page views and order on its timeline.
    await collector.app.crm.whenIdle()
    const [identity] = await engineRows<{ contact_id: string }>(
      `SELECT contact_id FROM crm_identities FINAL WHERE kind = 'email' AND value = '${email}'`,
    )
    expect(identity).toBeDefined()
    const contact = await fetch(`${collector.url}/v1/crm/contacts/${identity!.contact_id}`, {
      headers: secret,
    })
    expect(contact.status).toBe(200)
    expect(await contact.json()).toMatchObject({
      email,
      firstName: 'Ana',
      identities: expect.arrayContaining([{ kind: 'anon_id', value: 'ana' }]),
    })
    expect(clickhouse.counts.unauthorized).toBe(0)
  })

  it('keeps acknowledging while the server is down, and stores every acknowledged event once when it is back', async () => {
    await collector.app.whenStored()
    // The collector logs each failure itself (pino, one JSON line); the client must not add its own.
    const consoleLines = (['debug', 'info', 'warn', 'error'] as const).map((level) =>
      vi.spyOn(console, level).mockImplementation(() => {}),
    )
    await clickhouse.stop()
    const acked: string[] = []
    for (let request = 0; request < 10; request++) {
      const ids = Array.from({ length: 20 }, (_, n) => `down-${request}-${n}`)
      const response = await postBatch(
        collector,
        ids.map((messageId) => ({ type: 'track', event: 'While Down', anonymousId: 'down', messageId })),
      )
      expect(response.status).toBe(200)
      acked.push(...ids)
    }
    // The writer has tried and failed: readiness says so, and the metrics count the failures.
    const ready = async () => (await (await fetch(`${collector.url}/health/ready`)).json()) as any
    for (let i = 0; (await ready()).ingest.writer.ok; i++) {
      expect(i).toBeLessThan(500)
      await new Promise((resolve) => setTimeout(resolve, 20))
    }
    expect((await ready()).ingest.consumers).toEqual(
      expect.arrayContaining([expect.objectContaining({ name: 'clickhouse', lagBytes: expect.any(Number) })]),
    )
    const metrics = await (await fetch(`${collector.url}/metrics`)).text()
    expect(metrics).toMatch(/^rastro_store_clickhouse_errors_total\{type="[A-Z_]+"\} [1-9]/m)

    await clickhouse.start()
    for (const spy of consoleLines) {
      expect(spy).not.toHaveBeenCalled()
      spy.mockRestore()
    }
    const stored = await storedCounts('down-')
    expect([...stored.keys()].sort()).toEqual([...acked].sort())
    expect([...stored.values()].every((n) => n === 1)).toBe(true)
    expect((await ready()).ingest.writer.ok).toBe(true)
  }, 90_000)

  it('stops at start with a sentence when the server lacks the database or cannot be reached', async () => {
    const env = { CLICKHOUSE_URL: clickhouse.url, CLICKHOUSE_USER: USER, CLICKHOUSE_PASSWORD: PASSWORD }
    const dataDir = mkdtempSync(join(tmpdir(), 'rastro-refused-'))
    onTestFinished(() => rmSync(dataDir, { recursive: true, force: true }))
    await expect(
      startCollector({ dataDir, env: { ...env, CLICKHOUSE_DATABASE: 'rastro' } }),
    ).rejects.toMatchObject({
      code: 'RASTRO_ERR_STORE_OPEN_FAILED',
      message: expect.stringMatching(/has no database rastro \(CLICKHOUSE_DATABASE\): create it first/),
    })
    // A port nothing listens on: the test server's, while it is stopped.
    await clickhouse.stop()
    try {
      const refused = startCollector({ dataDir, env })
      await expect(refused).rejects.toMatchObject({
        code: 'RASTRO_ERR_STORE_OPEN_FAILED',
        message: expect.stringContaining(`cannot reach the ClickHouse server at ${clickhouse.url}/`),
      })
      await expect(refused).rejects.not.toHaveProperty('message', expect.stringContaining(PASSWORD))
    } finally {
      await clickhouse.start()
    }
  })
})
