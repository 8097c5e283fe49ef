/**
 * Moving a collector from the embedded ClickHouse to a server (docs/deploy.md): a collector runs
 * embedded (the `rastro` command in a child process: chDB opens one data directory per process),
 * takes events and CRM writes and stops; `rastro copy-to-server` copies its data to ClickHouse's
 * HTTP interface, served over this process's engine (`helpers/clickhouse-http-server.ts`); a
 * collector started on the server answers as the embedded one did, and a second copy changes
 * nothing it answers.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, expect, it } from 'vitest'
import { startClickHouseHttp, type ClickHouseHttpServer } from './helpers/clickhouse-http-server.js'
import { pageView } from './helpers/page-view.js'
import { runCommand, startServing } from './helpers/rastro-command.js'
import { keys, startCollector, testConfig, type RunningCollector } from './helpers/start-collector.js'

const oldDir = mkdtempSync(join(tmpdir(), 'rastro-embedded-'))
const enginePath = mkdtempSync(join(tmpdir(), 'rastro-server-'))
const configPath = join(oldDir, 'rastro.config.json')
writeFileSync(configPath, JSON.stringify(testConfig))
const server = { CLICKHOUSE_USER: 'rastro', CLICKHOUSE_PASSWORD: "it's a s3cret" }

let clickhouse: ClickHouseHttpServer
let collector: RunningCollector | undefined

beforeAll(async () => {
  clickhouse = await startClickHouseHttp({
    path: enginePath,
    username: server.CLICKHOUSE_USER,
    password: server.CLICKHOUSE_PASSWORD,
  })
})
afterAll(async () => {
  await collector?.stop()
  await clickhouse?.close()
  rmSync(oldDir, { recursive: true, force: true })
  rmSync(enginePath, { recursive: true, force: true })
})

/** `rastro serve` on the embedded engine in `oldDir`: its URL and a way to stop it (SIGTERM). */
async function serveEmbedded() {
  const args = ['--port', '0', '--host', '127.0.0.1', '--data-dir', oldDir, '--config', configPath]
  const env = { ...process.env, RASTRO_LOG_LEVEL: 'info', RASTRO_FLUSH_INTERVAL_MS: '50' }
  const { child, url, exited } = await startServing(args, env)
  return {
    url,
    async stop() {
      child.kill('SIGTERM')
      return exited
    },
  }
}

const secret = { authorization: `Bearer ${keys.secretKey}` }

async function api(base: string, path: string, init: RequestInit = {}) {
  const response = await fetch(`${base}${path}`, {
    ...init,
    headers: { ...secret, ...(init.body ? { 'content-type': 'application/json' } : {}) },
  })
  return { status: response.status, body: (await response.json()) as any }
}

/** What a user of the collector at `base` sees of the data: stats, the contact and its deal. */
async function whatItAnswers(base: string, email: string) {
  const contacts = await api(base, `/v1/crm/contacts?q=${encodeURIComponent(email)}`)
  const contact = contacts.body.results[0]
  return {
    overview: (await api(base, '/v1/analytics/overview')).body.current,
    contacts: contacts.body.results.length,
    contact: (await api(base, `/v1/crm/contacts/${contact?.id}`)).body,
    deals: (await api(base, `/v1/crm/deals?contactId=${contact?.id}`)).body.results,
    pages: (await api(base, '/v1/analytics/breakdown?by=pages')).body.breakdowns[0].results,
  }
}

it('copies the embedded data to the server, where a collector answers as the embedded one did', async () => {
  const email = 'marta@example.com'
  const embedded = await serveEmbedded()
  const sent = await fetch(`${embedded.url}/v1/batch`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', origin: 'http://allowed.example' },
    body: JSON.stringify({
      writeKey: keys.writeKey,
      batch: [
        pageView('m-1', 'marta', '/'),
        pageView('m-2', 'marta', '/pricing'),
        pageView('m-3', 'luis', "/it's\tcafé"),
        { type: 'identify', messageId: 'm-4', anonymousId: 'marta', traits: { email, firstName: 'Marta' } },
      ],
    }),
  })
  expect(sent.status).toBe(200)
  let before: Awaited<ReturnType<typeof whatItAnswers>> | undefined
  for (let i = 0; !before || before.contacts === 0 || before.overview.pageViews < 3; i++) {
    expect(i).toBeLessThan(200)
    await new Promise((resolve) => setTimeout(resolve, 50))
    before = await whatItAnswers(embedded.url, email).catch(() => undefined)
  }
  const deal = await api(embedded.url, '/v1/crm/deals', {
    method: 'POST',
    body: JSON.stringify({
      name: 'Annual plan',
      amountMinor: 120_000,
      currency: 'EUR',
      contactId: before!.contact.id,
    }),
  })
  expect(deal.status).toBe(201)
  before = await whatItAnswers(embedded.url, email)
  expect(before.overview).toMatchObject({ visitors: 2, pageViews: 3 })
  expect(before.deals).toHaveLength(1)

  // While the collector runs, its engine is locked: the copy says so and touches nothing.
  const vars = { ...server, CLICKHOUSE_URL: clickhouse.url }
  const env = { ...process.env, ...vars }
  const refused = await runCommand(['copy-to-server', '--data-dir', oldDir], env)
  expect(refused.code).toBe(1)
  expect(refused.stderr).toMatch(/RASTRO_ERR_STORE_OPEN_FAILED: cannot open the embedded ClickHouse/)
  expect(refused.stderr).not.toMatch(/^\s+at /m)
  expect(clickhouse.counts.statements).toBe(0)
  expect(await embedded.stop()).toBe(0)

  const copied = await runCommand(['copy-to-server', '--data-dir', oldDir], env)
  expect(copied.stderr).toBe('')
  expect(copied.code).toBe(0)
  expect(copied.stdout).toMatch(/^events: 4 rows$/m)
  expect(copied.stdout).toMatch(/^heatmap_clicks: not copied: filled by a materialized view/m)
  expect(copied.stdout).toMatch(/^crm_deals: 1 row$/m)

  collector = await startCollector({ config: testConfig, env: vars })
  expect(await whatItAnswers(collector.url, email)).toEqual(before)

  // Again, the credentials in the URL this time: the ReplacingMergeTree tables collapse with the
  // first copy, the others are left alone.
  const withCredentials = new URL(clickhouse.url)
  withCredentials.username = server.CLICKHOUSE_USER
  withCredentials.password = encodeURIComponent(server.CLICKHOUSE_PASSWORD)
  const again = await runCommand(['copy-to-server', '--data-dir', oldDir], {
    ...process.env,
    CLICKHOUSE_URL: withCredentials.toString(),
  })
  expect(again.stderr).toBe('')
  expect(again.code).toBe(0)
  expect(again.stdout).toMatch(/^crm_changes: not copied: the server's table has rows/m)
  expect(await whatItAnswers(collector.url, email)).toEqual(before)
  expect(clickhouse.counts.unauthorized).toBe(0)
}, 120_000)
