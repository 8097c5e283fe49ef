/**
 * Forwarding throughput benchmark (`npm run bench -w @rastro/collector`). For each destination
 * type in turn, the collector (`rastro serve`, its own process, embedded ClickHouse) forwards to a
 * local fake endpoint in this process that answers at once (Meta: `events_received`, GA4 and
 * webhooks: 204) and counts what it gets. N purchases (`Order Completed` with consent, an email
 * and two products, one visitor per 4 events) are ingested as fast as 4 connections allow; the
 * figure is N over the time from the first ingest request to the last event received, i.e. what
 * the whole path (ingest, log, mapping, hashing, requests, ledger and audit writes) sustains.
 * Latency: from a batch's ingest ack to its events' arrival at the endpoint (the default 1 s
 * `flushIntervalMs` of a destination included).
 *
 * Environment: BENCH_FORWARD_EVENTS (default 10000), BENCH_WRITE=1 to rewrite the
 * `## Forwarding` section of BENCHMARKS.md.
 */
import { spawn, type ChildProcess } from 'node:child_process'
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { cpus, loadavg, release, tmpdir, totalmem, type as osType } from 'node:os'
import { join } from 'node:path'

const EVENTS = Number(process.env.BENCH_FORWARD_EVENTS ?? 10_000)
const BATCH = 500
const CONNECTIONS = 4
const WRITE_KEY = 'wk_bench_forward_key'
const here = new URL('.', import.meta.url).pathname
const packageDir = join(here, '..', '..')

interface Scenario {
  name: string
  /** Undefined: no destination (the ingest baseline). */
  destination: Record<string, unknown> | undefined
}

/** Receipt time (ms) of each order id, per run. */
const received = new Map<string, number>()
let requests = 0

/** The fake endpoint: records every order id it receives, answers like the vendor. */
function startEndpoint(): Promise<{ server: Server; url: string }> {
  const server = createServer(async (request, response) => {
    const chunks: Buffer[] = []
    for await (const chunk of request) chunks.push(chunk as Buffer)
    const body = JSON.parse(Buffer.concat(chunks).toString('utf8'))
    const now = performance.now()
    requests++
    if (request.url!.includes('/events')) {
      for (const event of body.data) received.set(event.event_id, now)
      response.writeHead(200, { 'content-type': 'application/json' })
      response.end(JSON.stringify({ events_received: body.data.length, messages: [], fbtrace_id: 'bench' }))
      return
    }
    if (request.url!.startsWith('/mp/collect')) {
      for (const event of body.events) received.set(event.params.transaction_id, now)
    } else received.set(body.properties.order_id, now)
    response.writeHead(204).end()
  })
  return new Promise((resolve) =>
    server.listen(0, '127.0.0.1', () =>
      resolve({ server, url: `http://127.0.0.1:${(server.address() as AddressInfo).port}` }),
    ),
  )
}

function startCollector(configPath: string, dataDir: string): Promise<{ child: ChildProcess; url: string }> {
  const child = spawn(
    process.execPath,
    [
      join(packageDir, 'dist', 'cli.js'),
      'serve',
      '--config',
      configPath,
      '--data-dir',
      dataDir,
      '--port',
      '0',
      '--host',
      '127.0.0.1',
    ],
    { env: { ...process.env, RASTRO_LOG_LEVEL: 'info' }, stdio: ['ignore', 'pipe', 'pipe'] },
  )
  return new Promise((resolve, reject) => {
    let output = ''
    const onData = (chunk: Buffer) => {
      output += chunk.toString()
      const match = /"address":"(http:\/\/[^"]+)"/.exec(output)
      if (match) {
        child.stdout!.off('data', onData)
        child.stdout!.resume()
        resolve({ child, url: match[1]! })
      }
    }
    child.stdout!.on('data', onData)
    child.stderr!.on('data', (chunk: Buffer) => (output += chunk.toString()))
    child.on('exit', (code) => reject(new Error(`collector exited (${code}): ${output}`)))
  })
}

async function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null) return
  const exited = new Promise((resolve) => child.once('exit', resolve))
  child.kill('SIGTERM')
  await exited
}

function purchase(run: string, i: number) {
  const orderId = `${run}-${i}`
  return {
    type: 'track',
    event: 'Order Completed',
    messageId: `m-${orderId}`,
    anonymousId: `visitor-${run}-${Math.floor(i / 4)}`,
    properties: {
      order_id: orderId,
      currency: 'EUR',
      value: 54.5,
      products: [
        { product_id: 'beans-1kg', name: 'House beans 1 kg', price: 24.5, quantity: 2, category: 'Coffee' },
        { product_id: 'filter-02', name: 'Paper filters', price: 5.5, quantity: 1, category: 'Gear' },
      ],
    },
    context: {
      consent: { categoryPreferences: { analytics: true, marketing: true } },
      userAgent:
        'Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36',
      page: { url: 'https://shop.example/checkout/thanks', title: 'Thank you' },
      sessionId: `s-${run}-${Math.floor(i / 4)}`,
      traits: { email: `buyer${Math.floor(i / 4)}@example.com`, phone: '+351 912 345 678' },
    },
  }
}

function quantile(values: number[], q: number): number {
  const sorted = [...values].sort((a, b) => a - b)
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? 0
}

function machine(): string {
  const cpu = cpus()[0]?.model ?? 'unknown CPU'
  return `${osType()} ${release()}, ${cpus().length} × ${cpu}, ${Math.round(totalmem() / 2 ** 30)} GiB RAM, Node ${process.version}`
}

async function run(scenario: Scenario) {
  const dir = mkdtempSync(join(tmpdir(), 'rastro-forward-bench-'))
  const configPath = join(dir, 'rastro.config.json')
  writeFileSync(
    configPath,
    JSON.stringify({
      tenants: [
        {
          id: 'bench',
          sites: [{ id: 'web', writeKey: WRITE_KEY }],
          destinations: scenario.destination ? [scenario.destination] : [],
        },
      ],
    }),
  )
  const { child, url } = await startCollector(configPath, join(dir, 'data'))
  try {
    const runId = Math.random().toString(36).slice(2, 8)
    received.clear()
    requests = 0
    const acked = new Map<string, number>()
    let next = 0
    const started = performance.now()
    await Promise.all(
      Array.from({ length: CONNECTIONS }, async () => {
        while (next < EVENTS) {
          const first = next
          next += BATCH
          const batch = Array.from({ length: Math.min(BATCH, EVENTS - first) }, (_, k) =>
            purchase(runId, first + k),
          )
          const response = await fetch(`${url}/v1/batch`, {
            method: 'POST',
            headers: {
              'content-type': 'application/json',
              authorization: `Basic ${Buffer.from(`${WRITE_KEY}:`).toString('base64')}`,
            },
            body: JSON.stringify({ batch }),
          })
          if (response.status !== 200) throw new Error(`ingest answered ${response.status}`)
          await response.arrayBuffer()
          const at = performance.now()
          for (const event of batch) acked.set(event.properties.order_id, at)
        }
      }),
    )
    const ingestMs = performance.now() - started
    const ingestEventsPerSecond = Math.round(EVENTS / (ingestMs / 1000))
    if (!scenario.destination) return { ingestEventsPerSecond }
    const deadline = Date.now() + 600_000
    while (received.size < EVENTS) {
      if (Date.now() > deadline)
        throw new Error(`${scenario.name}: ${received.size} of ${EVENTS} events arrived`)
      await new Promise((resolve) => setTimeout(resolve, 20))
    }
    const totalMs = Math.max(...received.values()) - started
    const latencies = [...received].map(([id, at]) => at - acked.get(id)!)
    return {
      eventsPerSecond: Math.round(EVENTS / (totalMs / 1000)),
      ingestEventsPerSecond,
      requests,
      p50Ms: Math.round(quantile(latencies, 0.5)),
      p99Ms: Math.round(quantile(latencies, 0.99)),
    }
  } finally {
    await stopChild(child)
    rmSync(dir, { recursive: true, force: true })
  }
}

async function main(): Promise<void> {
  const date = new Date().toISOString().slice(0, 10)
  console.log(`machine: ${machine()}; date ${date}; ${EVENTS} purchases per destination`)
  const { server, url } = await startEndpoint()
  const scenarios: Scenario[] = [
    { name: 'none (ingest baseline)', destination: undefined },
    {
      name: 'Meta CAPI (≤ 1,000 events per request)',
      destination: { id: 'meta', type: 'meta', pixelId: '1', accessToken: 'EAAbench0000000', apiUrl: url },
    },
    {
      name: 'GA4 MP (≤ 25 events per request, one visitor each)',
      destination: {
        id: 'ga4',
        type: 'ga4',
        measurementId: 'G-BENCH123',
        apiSecret: 'bench-secret',
        apiUrl: url,
      },
    },
    {
      name: 'Webhook (one signed request per event)',
      destination: {
        id: 'hook',
        type: 'webhook',
        secret: 'bench-webhook-secret-0123',
        consent: 'none',
        url: `${url}/hook`,
      },
    },
  ]
  const loadBefore = loadavg()[0]!.toFixed(1)
  const rows: string[][] = []
  const number = (value: number | undefined) => (value === undefined ? '–' : value.toLocaleString('en'))
  for (const scenario of scenarios) {
    const result: {
      ingestEventsPerSecond: number
      eventsPerSecond?: number
      requests?: number
      p50Ms?: number
      p99Ms?: number
    } = await run(scenario)
    console.log(scenario.name, result)
    rows.push([
      scenario.name,
      number(result.eventsPerSecond),
      number(result.requests),
      number(result.p50Ms),
      number(result.p99Ms),
      number(result.ingestEventsPerSecond),
    ])
  }
  server.close()
  const table = [
    `Measured ${date} on ${machine()}; ${EVENTS.toLocaleString('en')} purchases per destination; collector, fake endpoint and client on the same cores; load average ${loadBefore} before, ${loadavg()[0]!.toFixed(1)} after.`,
    '',
    formatTable(
      [
        'destination',
        'forwarded events/s',
        'requests',
        'ack → endpoint p50 (ms)',
        'p99 (ms)',
        'ingest events/s meanwhile',
      ],
      rows,
    ),
  ].join('\n')
  console.log(`\n${table}`)
  if (process.env.BENCH_WRITE === '1') writeSection(table)
}

/** A Markdown table as Prettier writes it: padded columns, the first left-aligned, the others right. */
function formatTable(header: string[], rows: string[][]): string {
  const widths = header.map((cell, i) => Math.max(cell.length, 3, ...rows.map((row) => row[i]!.length)))
  const line = (cells: string[]) =>
    `| ${cells.map((cell, i) => (i === 0 ? cell.padEnd(widths[i]!) : cell.padStart(widths[i]!))).join(' | ')} |`
  const rule = `| ${widths.map((width, i) => (i === 0 ? '-'.repeat(width) : `${'-'.repeat(width - 1)}:`)).join(' | ')} |`
  return [line(header), rule, ...rows.map(line)].join('\n')
}

/** Rewrites the `## Forwarding` section of the repository's BENCHMARKS.md. */
function writeSection(table: string): void {
  const path = join(packageDir, '..', '..', 'BENCHMARKS.md')
  let text: string
  try {
    text = readFileSync(path, 'utf8')
  } catch {
    text = '# Benchmarks\n'
  }
  const start = '<!-- forwarding:start -->'
  const end = '<!-- forwarding:end -->'
  const block = `${start}\n\n${table}\n\n${end}`
  if (text.includes(start)) text = text.replace(new RegExp(`${start}[\\s\\S]*${end}`), block)
  else text += `\n## Forwarding\n\n${block}\n`
  writeFileSync(path, text)
}

main().catch((error: unknown) => {
  console.error(error)
  process.exit(1)
})
