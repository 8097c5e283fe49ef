/**
 * `npm run bench -w @rastro/node`: how fast @rastro/node queues and delivers events to a local
 * collector (its own process, embedded ClickHouse), how much memory 100k queued events take, and
 * the same delivery with @segment/analytics-node (the competitor it replaces) in the same run.
 * Every run checks that all events were stored, then rewrites the `## Node SDK` section of
 * BENCHMARKS.md at the repo root. Plain JavaScript on purpose: it measures the built package
 * (`dist/`), which is what users run. Needs `node --expose-gc` (the npm script passes it).
 */
/* global fetch, setTimeout */
import { spawn } from 'node:child_process'
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import { createServer } from 'node:net'
import { availableParallelism, cpus, loadavg, tmpdir, totalmem } from 'node:os'
import { dirname, join } from 'node:path'
import { performance } from 'node:perf_hooks'
import { Analytics } from '@segment/analytics-node'
import * as prettier from 'prettier'
import { Rastro } from '../dist/index.js'

const EVENTS = Number(process.env.BENCH_EVENTS ?? 100_000)
/**
 * analytics-node opens one request per 15 events, all at once; on a loaded 2-core machine 100k
 * events took it over 10 minutes, so it gets fewer events (its rate hardly depends on the count).
 */
const SEGMENT_EVENTS = Math.min(EVENTS, 20_000)
const WRITE_KEY = 'wk_bench_node_sdk'
const ADMIN_KEY = 'ak_bench_admin_key_node_sdk'
const benchmarksFile = join(import.meta.dirname, '../../../BENCHMARKS.md')

if (typeof globalThis.gc !== 'function') throw new Error('run with node --expose-gc (npm run bench)')

/** A free TCP port on 127.0.0.1. */
function getFreePort() {
  return new Promise((resolve, reject) => {
    const server = createServer()
    server.on('error', reject)
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address()
      server.close(() => resolve(port))
    })
  })
}

/** Starts the built collector CLI in its own process, so SDK and collector do not share an event loop. */
async function startCollector() {
  const dataDir = mkdtempSync(join(tmpdir(), 'rastro-node-bench-'))
  const configPath = join(dataDir, 'rastro.config.json')
  writeFileSync(
    configPath,
    JSON.stringify({
      adminKey: ADMIN_KEY,
      tenants: [{ id: 'bench', sites: [{ id: 'server', writeKey: WRITE_KEY }], secretKeys: [] }],
    }),
  )
  const cli = join(dirname(createRequire(import.meta.url).resolve('@rastro/collector')), 'cli.js')
  const port = await getFreePort()
  const child = spawn(
    process.execPath,
    [
      cli,
      'serve',
      '--port',
      String(port),
      '--host',
      '127.0.0.1',
      '--data-dir',
      dataDir,
      '--config',
      configPath,
    ],
    { env: { ...process.env, RASTRO_LOG_LEVEL: 'warn' }, stdio: ['ignore', 'ignore', 'inherit'] },
  )
  const url = `http://127.0.0.1:${port}`
  for (let i = 0; i < 300; i += 1) {
    const ready = await fetch(`${url}/health/ready`).then(
      (r) => r.ok,
      () => false,
    )
    if (ready) break
    await new Promise((resolve) => setTimeout(resolve, 200))
  }
  return {
    url,
    async stop() {
      child.kill('SIGTERM')
      await new Promise((resolve) => child.once('exit', resolve))
      rmSync(dataDir, { recursive: true, force: true })
    },
  }
}

/**
 * A bare HTTP endpoint in its own process that reads each body and answers 200 at once: the
 * ceiling of what the SDK itself can push (JSON, gzip, HTTP), with no collector work behind it.
 */
async function startBareEndpoint() {
  const port = await getFreePort()
  const script = `
    require('node:http').createServer((req, res) => {
      req.resume()
      req.on('end', () => {
        res.writeHead(200, { 'content-type': 'application/json' })
        res.end('{"ok":true,"accepted":0,"rejected":[]}')
      })
    }).listen(${port}, '127.0.0.1', () => process.send('ready'))
  `
  const child = spawn(process.execPath, ['-e', script], { stdio: ['ignore', 'ignore', 'inherit', 'ipc'] })
  await new Promise((resolve) => child.once('message', resolve))
  return {
    url: `http://127.0.0.1:${port}`,
    async stop() {
      child.kill('SIGTERM')
      await new Promise((resolve) => child.once('exit', resolve))
    },
  }
}

/** Events stored for a user id (deduplicated), through the admin SQL endpoint. */
async function countStored(url, userId) {
  const response = await fetch(`${url}/v1/admin/sql`, {
    method: 'POST',
    headers: { authorization: `Bearer ${ADMIN_KEY}`, 'content-type': 'application/json' },
    body: JSON.stringify({ query: `SELECT count() AS n FROM events FINAL WHERE user_id = '${userId}'` }),
  })
  const { data } = await response.json()
  return Number(data[0].n)
}

/** A typical server conversion (~600 bytes as JSON). */
function createEvent(userId, i) {
  return {
    userId,
    event: 'Order Completed',
    properties: {
      order_id: `o-${i}`,
      currency: 'EUR',
      value: 48,
      revenue: 48,
      products: [{ product_id: 'beans-1kg', sku: 'BEANS-1KG', name: 'Beans 1 kg', price: 24, quantity: 2 }],
    },
    context: {
      ip: '198.51.100.23',
      userAgent: 'Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0',
      sessionId: '019a4f6e-2b1c-7d3e-9f20-5a6b7c8d9e0f',
      fbp: 'fb.1.1700000000000.1234567890',
    },
  }
}

async function expectStored(url, userId, expected = EVENTS) {
  // The collector acknowledges after the insert; FINAL counts each message id once.
  const stored = await countStored(url, userId)
  if (stored !== expected) throw new Error(`${userId}: ${stored} of ${expected} events stored`)
}

/** Calls per second of `track` alone, and heap per 100k queued events. */
function measureEnqueue(url) {
  const errors = []
  const rastro = new Rastro({
    writeKey: WRITE_KEY,
    host: url,
    flushAt: 2_500,
    onError: (e) => errors.push(e),
  })
  const userId = `enqueue-${Date.now()}`
  globalThis.gc()
  const heapBefore = process.memoryUsage().heapUsed
  const began = performance.now()
  for (let i = 0; i < EVENTS; i += 1) rastro.track(createEvent(userId, i))
  const seconds = (performance.now() - began) / 1000
  globalThis.gc()
  const heapBytes = process.memoryUsage().heapUsed - heapBefore
  return {
    rastro,
    userId,
    errors,
    callsPerSecond: EVENTS / seconds,
    heapBytesPer100k: (heapBytes * 100_000) / EVENTS,
  }
}

async function measureRastro(url, { checkStored = true } = {}) {
  const errors = []
  const rastro = new Rastro({ writeKey: WRITE_KEY, host: url, onError: (e) => errors.push(e) })
  const userId = `rastro-${Date.now()}`
  const began = performance.now()
  for (let i = 0; i < EVENTS; i += 1) rastro.track(createEvent(userId, i))
  await rastro.shutdown()
  const seconds = (performance.now() - began) / 1000
  if (errors.length > 0) throw errors[0]
  if (checkStored) await expectStored(url, userId)
  return EVENTS / seconds
}

async function measureSegment(url) {
  const errors = []
  const analytics = new Analytics({ writeKey: WRITE_KEY, host: url })
  analytics.on('error', (error) => errors.push(error))
  const userId = `segment-${Date.now()}`
  const began = performance.now()
  for (let i = 0; i < SEGMENT_EVENTS; i += 1) analytics.track(createEvent(userId, i))
  await analytics.closeAndFlush({ timeout: 600_000 })
  const seconds = (performance.now() - began) / 1000
  if (errors.length > 0)
    throw new Error(`analytics-node: ${errors.length} errors, first: ${errors[0].reason ?? errors[0]}`)
  await expectStored(url, userId, SEGMENT_EVENTS)
  return SEGMENT_EVENTS / seconds
}

function format(value, digits = 0) {
  return value.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits })
}

/** Replaces (or appends) the `## Node SDK` section, formatted as `prettier --check` wants it. */
async function writeSection(section) {
  const page = existsSync(benchmarksFile)
    ? readFileSync(benchmarksFile, 'utf8')
    : '# Benchmarks\n\nIndicative figures; the machine and date are given with each section.\n'
  const start = page.indexOf('\n## Node SDK\n')
  let next = start === -1 ? -1 : page.indexOf('\n## ', start + 1)
  if (next === -1) next = page.length
  const updated =
    start === -1
      ? `${page.trimEnd()}\n\n${section}`
      : `${page.slice(0, start)}\n${section}${page.slice(next)}`
  const options = (await prettier.resolveConfig(benchmarksFile)) ?? {}
  writeFileSync(benchmarksFile, await prettier.format(updated, { ...options, parser: 'markdown' }))
}

const loadAtStart = loadavg()[0]
const bare = await startBareEndpoint()
const ceilingRate = await measureRastro(bare.url, { checkStored: false })
await bare.stop()
console.error(`@rastro/node: ${format(ceilingRate)} events/s to a bare endpoint`)
const collector = await startCollector()
try {
  console.error(`collector at ${collector.url}; ${EVENTS} events per run`)
  const enqueue = measureEnqueue(collector.url)
  await enqueue.rastro.shutdown()
  if (enqueue.errors.length > 0) throw enqueue.errors[0]
  await expectStored(collector.url, enqueue.userId)
  console.error(`@rastro/node: ${format(enqueue.callsPerSecond)} calls/s queued`)
  const rastroRate = await measureRastro(collector.url)
  console.error(`@rastro/node: ${format(rastroRate)} events/s delivered`)
  const segmentRate = await measureSegment(collector.url)
  console.error(`@segment/analytics-node: ${format(segmentRate)} events/s delivered`)

  const cpu = cpus()[0]?.model.trim() ?? 'unknown CPU'
  const date = new Date().toISOString().slice(0, 10)
  const section = `## Node SDK

\`npm run bench -w @rastro/node\` (packages/node-sdk/bench/deliver.bench.mjs), ${date}, Node ${process.version},
${availableParallelism()} CPUs (${cpu}), ${format(totalmem() / 2 ** 30, 1)} GiB RAM. ${format(EVENTS)} \`Order Completed\`
events of ~600 bytes each, sent to a local collector (its own process, embedded ClickHouse) on the same
machine; every run checks that all its events were stored. Indicative: the collector shares the CPUs,
and the 1-minute load average was ${format(loadAtStart, 1)} when the run began.

| measure | @rastro/node 0.1.0 | @segment/analytics-node 3.1.0 (${format(SEGMENT_EVENTS)} events) |
| --- | --- | --- |
| \`track()\` calls/s (queueing only) | ${format(enqueue.callsPerSecond)} | |
| events/s queued and delivered (default options, until \`shutdown()\`/\`closeAndFlush()\` resolves) | ${format(rastroRate)} | ${format(segmentRate)} |
| events/s queued and delivered to a bare endpoint that only answers 200 (the SDK's own ceiling) | ${format(ceilingRate)} | |
| heap per 100k queued events | ${format(enqueue.heapBytesPer100k / 2 ** 20, 1)} MiB | |

Delivery to the collector is bound by the collector (parse, validate and enrich each event, insert into
ClickHouse, answer only once stored), not by the SDK: compare with the bare endpoint. @rastro/node sends up
to 4 requests at once, each taking as many queued events as fit (≤ 2,500 events, ≤ 500 KiB, gzipped);
analytics-node sends batches of \`flushAt\` (15) events, as many at once as there are. The default
\`maxQueueSize\` (100,000 events) bounds the queue's memory at about the heap figure above.
`
  await writeSection(section)
  console.log(section)
} finally {
  await collector.stop()
}
