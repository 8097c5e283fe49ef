/**
 * Crash test: a collector child process under load is killed with SIGKILL at random moments and
 * restarted on the same data dir, several times, alternating `os` and `fsync` durability. The
 * clients retry what was not acknowledged, with the same messageIds, as the SDKs do. Afterwards
 * every messageId that got a 2xx is in ClickHouse exactly once (no FINAL).
 *
 * Once on the embedded engine, which dies with the collector, and once on a ClickHouse server
 * (`CLICKHOUSE_URL`: ClickHouse's HTTP interface over this process's engine, answering 100 ms
 * after each statement), which outlives it: an insert the server stored after its collector died
 * unanswered is sent again by the restarted one, with the same deduplication token. The server's
 * `events` merges are stopped, so no merge collapses a second copy before it is counted: without
 * the token, that run finds copies. (On the embedded engine, which the collector holds, a merge
 * can still collapse one unseen.)
 */
import { spawn, type ChildProcess } from 'node:child_process'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { runMigrations } from '../src/store/run-migrations.js'
import { startClickHouseHttp, type ClickHouseHttpServer } from './helpers/clickhouse-http-server.js'

const WRITE_KEY = 'wk_crash_test_key'
const ADMIN_KEY = 'ak_crash_test_admin_key_0123'
const cli = new URL('../dist/cli.js', import.meta.url).pathname
const root = mkdtempSync(join(tmpdir(), 'rastro-crash-'))
const configPath = join(root, 'rastro.config.json')
writeFileSync(
  configPath,
  JSON.stringify({
    adminKey: ADMIN_KEY,
    tenants: [{ id: 'crash', sites: [{ id: 'web', writeKey: WRITE_KEY }] }],
  }),
)
const SERVER_USER = 'rastro'
const SERVER_PASSWORD = 'crash-test-password'

let child: ChildProcess | undefined
let clickhouse: ClickHouseHttpServer | undefined
afterAll(async () => {
  child?.kill('SIGKILL')
  await clickhouse?.close()
  rmSync(root, { recursive: true, force: true })
})

/** Starts a collector on `dataDir` with `store` (more environment: a ClickHouse server's). */
function start(dataDir: string, durability: 'os' | 'fsync', store: Record<string, string>): Promise<string> {
  const process_ = spawn(
    process.execPath,
    [cli, 'serve', '--port', '0', '--host', '127.0.0.1', '--data-dir', dataDir, '--config', configPath],
    {
      env: {
        ...process.env,
        ...store,
        RASTRO_LOG_LEVEL: 'info',
        RASTRO_DURABILITY: durability,
        RASTRO_FLUSH_INTERVAL_MS: '100',
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  )
  child = process_
  return new Promise((resolve, reject) => {
    let output = ''
    const onData = (chunk: Buffer) => {
      output += chunk.toString()
      const match = /"address":"(http:\/\/[^"]+)"/.exec(output)
      if (match) {
        process_.stdout!.off('data', onData)
        process_.stdout!.resume()
        resolve(match[1]!)
      }
    }
    process_.stdout!.on('data', onData)
    process_.stderr!.on('data', (chunk: Buffer) => (output += chunk.toString()))
    process_.once('exit', (code, signal) =>
      reject(new Error(`collector exited (${code ?? signal}): ${output}`)),
    )
  })
}

function kill(signal: NodeJS.Signals): Promise<void> {
  const process_ = child!
  if (process_.exitCode !== null || process_.signalCode !== null) return Promise.resolve()
  const exited = new Promise<void>((resolve) => process_.once('exit', () => resolve()))
  process_.kill(signal)
  return exited
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))

/**
 * Runs the clients against a collector on `dataDir` and `store`, kills it 5 times, and checks that
 * every acknowledged messageId is stored exactly once.
 */
async function crashUnderLoad(dataDir: string, store: Record<string, string>): Promise<void> {
  let url: string | undefined = await start(dataDir, 'fsync', store)
  const acked = new Set<string>()
  let sending = true
  let sequence = 0
  // A client: sends a batch until it is acknowledged (same ids on every retry), then the next.
  async function client(name: string) {
    while (sending) {
      const ids = Array.from({ length: 20 }, () => `${name}-${++sequence}`)
      const body = JSON.stringify({
        batch: ids.map((messageId) => ({
          type: 'track',
          event: 'Crash Test',
          anonymousId: name,
          messageId,
          properties: { n: sequence },
        })),
      })
      for (;;) {
        const target = url
        if (target) {
          try {
            const response = await fetch(`${target}/v1/batch`, {
              method: 'POST',
              headers: {
                'content-type': 'application/json',
                authorization: `Basic ${Buffer.from(`${WRITE_KEY}:`).toString('base64')}`,
              },
              body,
            })
            await response.arrayBuffer()
            if (response.ok) {
              for (const id of ids) acked.add(id)
              break
            }
          } catch {
            // Connection refused or reset by the kill: retry the same batch.
          }
        }
        await sleep(20)
      }
    }
  }
  const clients = Array.from({ length: 6 }, (_, i) => client(`c${i}`))
  const kills: number[] = []
  for (let round = 0; round < 5; round++) {
    const delay = 150 + Math.floor(Math.random() * 900)
    kills.push(delay)
    await sleep(delay)
    url = undefined
    await kill('SIGKILL')
    url = await start(dataDir, round % 2 === 0 ? 'os' : 'fsync', store)
  }
  await sleep(300)
  sending = false
  await Promise.all(clients)

  // Wait for the writer to catch up, then count every acknowledged id.
  const deadline = Date.now() + 30_000
  for (;;) {
    const ready = (await (await fetch(`${url}/health/ready`)).json()) as {
      ingest: { consumers: { lagBytes: number }[] }
    }
    if (ready.ingest.consumers.every((consumer) => consumer.lagBytes === 0)) break
    if (Date.now() > deadline) throw new Error('the writer did not catch up')
    await sleep(50)
  }
  const response = await fetch(`${url}/v1/admin/sql`, {
    method: 'POST',
    headers: { authorization: `Bearer ${ADMIN_KEY}`, 'content-type': 'application/json' },
    body: JSON.stringify({ query: 'SELECT message_id, count() AS n FROM events GROUP BY message_id' }),
  })
  const rows = ((await response.json()) as { data: { message_id: string; n: string }[] }).data
  const counts = new Map(rows.map((row) => [row.message_id, Number(row.n)]))
  const missing = [...acked].filter((id) => !counts.has(id))
  const twice = [...counts].filter(([, n]) => n > 1)
  expect({ kills, acked: acked.size, missing: missing.slice(0, 10), twice: twice.slice(0, 10) }).toEqual({
    kills,
    acked: acked.size,
    missing: [],
    twice: [],
  })
  expect(acked.size).toBeGreaterThan(500)
  await kill('SIGTERM')
}

describe('SIGKILL under load', () => {
  beforeAll(async () => {
    clickhouse = await startClickHouseHttp({
      path: mkdtempSync(join(root, 'server-')),
      username: SERVER_USER,
      password: SERVER_PASSWORD,
      answerDelayMs: 100,
    })
    // A merge would collapse two copies of a row (ReplacingMergeTree) before they were counted.
    await runMigrations(clickhouse.client)
    await clickhouse.client.command({ query: 'SYSTEM STOP MERGES events' })
  })

  it('loses no acknowledged event and stores none twice, on the embedded engine', async () => {
    await crashUnderLoad(mkdtempSync(join(root, 'embedded-')), {})
  }, 120_000)

  it('loses no acknowledged event and stores none twice, on a ClickHouse server that outlives it', async () => {
    await crashUnderLoad(mkdtempSync(join(root, 'collector-')), {
      CLICKHOUSE_URL: clickhouse!.url,
      CLICKHOUSE_USER: SERVER_USER,
      CLICKHOUSE_PASSWORD: SERVER_PASSWORD,
    })
    expect(clickhouse!.counts.unauthorized).toBe(0)
  }, 120_000)
})
