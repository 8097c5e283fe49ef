/**
 * Collector ingest benchmark (`npm run bench -w @rastro/collector`). Runs, side by side in one
 * run on this machine: a bare Fastify route that only parses the same JSON and answers 200 (the
 * ceiling of the HTTP layer), and the full collector (`rastro serve`: auth, validation,
 * enrichment, dedup, the write-ahead log with its durability, the ClickHouse writer on the
 * embedded engine, the CRM feed in its worker thread), each in its own process, loaded by autocannon
 * from this one.
 *
 * Scenarios: `/v1/batch` with 50 and 500 events per request, and single-event `/v1/track`.
 * For each: the most requests per second at 50 connections. After it, the bench waits until every
 * log consumer (the ClickHouse writer, the CRM feed) has caught up, and reports that catch-up time
 * and the sustained rate (events stored per second over the run and its catch-up): a rate storage
 * cannot keep up with only fills the log. Then ack latency, with evenly spaced requests timed from
 * when each was due (open-loop.ts), at two half loads, each started with the log caught up: half
 * the sustained rate (the steady state: storage keeps up) and half the maximum (often past what
 * storage sustains, so work queues). During both, for batches of 50, time-to-queryable: probe
 * events polled in ClickHouse until they are visible. RSS: the collector's at idle (started, no
 * event yet), its median and highest during the batch-of-50 run at half the sustained rate (the
 * steady state), at the end, and its peak (VmHWM). CPU: the collector's main thread and its other threads (the embedded
 * ClickHouse, file I/O), per stored event over the whole run.
 *
 * Environment: BENCH_SECONDS (per measurement, default 10), BENCH_DURABILITY (`fsync,os`: each is
 * measured with its own collector),
 * BENCH_WRITE=1 to rewrite the `## Collector ingest` section of BENCHMARKS.md.
 */
import { spawn, type ChildProcess } from 'node:child_process'
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { cpus, loadavg, tmpdir, totalmem, type as osType, release } from 'node:os'
import { join } from 'node:path'
import autocannon from 'autocannon'
import { format, resolveConfig } from 'prettier'
import { runOpenLoop, type OpenLoopResult } from './open-loop.js'

const SECONDS = Number(process.env.BENCH_SECONDS ?? 10)
const DURABILITIES = (process.env.BENCH_DURABILITY ?? 'fsync,os').split(',')
const CONNECTIONS = 50
const WRITE_KEY = 'wk_bench_site_key'
const ADMIN_KEY = 'ak_bench_admin_key_0123456789'
const here = new URL('.', import.meta.url).pathname
const packageDir = join(here, '..', '..')

interface Scenario {
  name: string
  path: string
  events: number
}

const scenarios: Scenario[] = [
  { name: 'batch of 50', path: '/v1/batch', events: 50 },
  { name: 'batch of 500', path: '/v1/batch', events: 500 },
  { name: 'single event', path: '/v1/track', events: 1 },
]

/** A realistic browser event (~600 bytes as JSON) whose messageId is filled in per request. */
function makeEvent(i: number) {
  return {
    type: 'track',
    event: i % 3 === 0 ? 'Product Viewed' : 'CTA Clicked',
    anonymousId: `anon-${i % 97}`,
    messageId: '\u0000',
    timestamp: new Date().toISOString(),
    properties: { product_id: `sku-${i}`, price: 19.9, currency: 'EUR', position: i },
    context: {
      library: { name: '@rastro/browser', version: '0.1.0' },
      locale: 'es-AR',
      userAgent:
        'Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36',
      page: {
        url: 'https://shop.example/p/sku?utm_source=news',
        path: '/p/sku',
        title: 'Product',
        referrer: '',
      },
      sessionId: `s-${i % 13}`,
    },
  }
}

/** Body parts around each messageId, so a request gets fresh ids with one `join`. */
function makeBodyParts(scenario: Scenario): string[] {
  const events = Array.from({ length: scenario.events }, (_, i) => makeEvent(i))
  const json =
    scenario.path === '/v1/batch'
      ? JSON.stringify({ batch: events, sentAt: new Date().toISOString() })
      : JSON.stringify(events[0])
  return json.split('"\\u0000"')
}

let sequence = 0
function fillIds(parts: string[]): string {
  const run = `${process.pid}-${++sequence}`
  let out = parts[0]!
  for (let i = 1; i < parts.length; i++) out += `"m-${run}-${i}"${parts[i]}`
  return out
}

/** Starts `command` (a script with a shebang) or, when `args` alone are given, Node with them. */
function startChild(
  args: string[],
  env: Record<string, string> = {},
  command = process.execPath,
): Promise<{ child: ChildProcess; url: string }> {
  const child = spawn(command, args, {
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  return new Promise((resolve, reject) => {
    let output = ''
    const onData = (chunk: Buffer) => {
      output += chunk.toString()
      const match = /"address":"(http:\/\/[^"]+)"|listening on (http:\/\/\S+)/.exec(output)
      if (match) {
        child.stdout!.off('data', onData)
        child.stdout!.resume()
        resolve({ child, url: match[1] ?? match[2]! })
      }
    }
    child.stdout!.on('data', onData)
    child.stderr!.on('data', (chunk: Buffer) => (output += chunk.toString()))
    child.on('exit', (code) => reject(new Error(`child exited (${code}): ${output}`)))
  })
}

async function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null) return
  const exited = new Promise((resolve) => child.once('exit', resolve))
  child.kill('SIGTERM')
  await exited
}

interface LoadResult {
  requestsPerSecond: number
  eventsPerSecond: number
  non2xx: number
  /** Connection errors, timeouts included. */
  errors: number
}

const INGEST_HEADERS = {
  'content-type': 'application/json',
  authorization: `Basic ${Buffer.from(`${WRITE_KEY}:`).toString('base64')}`,
}

/** The most requests the server answers, autocannon at {@link CONNECTIONS} connections. */
async function load(url: string, scenario: Scenario): Promise<LoadResult> {
  const parts = makeBodyParts(scenario)
  const result = await autocannon({
    url: `${url}${scenario.path}`,
    connections: CONNECTIONS,
    duration: SECONDS,
    headers: INGEST_HEADERS,
    requests: [
      {
        method: 'POST',
        setupRequest: (request: autocannon.Request) => ({ ...request, body: fillIds(parts) }),
      },
    ],
  })
  const ok = result['2xx']
  return {
    requestsPerSecond: ok / SECONDS,
    eventsPerSecond: (ok * scenario.events) / SECONDS,
    non2xx: result.non2xx,
    errors: result.errors,
  }
}

/** Ack latency at a fixed rate of evenly spaced requests (open loop: see open-loop.ts). */
function loadAtRate(url: string, scenario: Scenario, rate: number): Promise<OpenLoopResult> {
  const parts = makeBodyParts(scenario)
  return runOpenLoop({
    origin: url,
    path: scenario.path,
    headers: INGEST_HEADERS,
    rate,
    seconds: SECONDS,
    body: () => fillIds(parts),
  })
}

async function adminSql(url: string, query: string): Promise<Record<string, unknown>[]> {
  const response = await fetch(`${url}/v1/admin/sql`, {
    method: 'POST',
    headers: { authorization: `Bearer ${ADMIN_KEY}`, 'content-type': 'application/json' },
    body: JSON.stringify({ query }),
  })
  return ((await response.json()) as { data: Record<string, unknown>[] }).data
}

let probeRuns = 0

/**
 * Sends a probe event every 100 ms while `until` is pending; returns ack-to-visible times (ms).
 * Each call's ids are new: an id stored by an earlier call would be found at once (and dropped as
 * a duplicate at ingest).
 */
async function probeTimeToQueryable(url: string, until: Promise<unknown>): Promise<number[]> {
  const run = ++probeRuns
  const acked = new Map<string, number>()
  const seen: number[] = []
  let running = true
  void until.then(() => (running = false))
  const sender = (async () => {
    for (let i = 0; running; i++) {
      const messageId = `probe-${process.pid}-${run}-${i}`
      const response = await fetch(`${url}/v1/track`, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          authorization: `Basic ${Buffer.from(`${WRITE_KEY}:`).toString('base64')}`,
        },
        body: JSON.stringify({ event: 'Probe', anonymousId: 'probe', messageId }),
      })
      await response.arrayBuffer()
      if (response.ok) acked.set(messageId, performance.now())
      await new Promise((done) => setTimeout(done, 100))
    }
  })()
  const deadline = () => performance.now() + 15_000
  let stopAt = Infinity
  while (running || (acked.size > 0 && performance.now() < stopAt)) {
    if (!running && stopAt === Infinity) stopAt = deadline()
    if (acked.size > 0) {
      const ids = [...acked.keys()].map((id) => `'${id}'`).join(',')
      const rows = await adminSql(url, `SELECT message_id FROM events WHERE message_id IN (${ids})`)
      const now = performance.now()
      for (const row of rows) {
        const id = String(row.message_id)
        const at = acked.get(id)
        if (at !== undefined) {
          seen.push(now - at)
          acked.delete(id)
        }
      }
    }
    await new Promise((done) => setTimeout(done, 25))
  }
  await sender
  return seen
}

/** Waits until every log consumer has read all the log (lag 0 in `/metrics`); returns the wait (s). */
async function waitForCatchUp(url: string, timeoutMs = 300_000): Promise<number> {
  const started = performance.now()
  while (performance.now() - started < timeoutMs) {
    const metrics = await (await fetch(`${url}/metrics`)).text()
    const lags = [...metrics.matchAll(/^rastro_log_consumer_lag_bytes\{[^}]*\} (\d+)/gm)]
    if (lags.every((match) => match[1] === '0')) return (performance.now() - started) / 1000
    await new Promise((done) => setTimeout(done, 100))
  }
  throw new Error(`the log consumers did not catch up within ${timeoutMs} ms`)
}

/** CPU seconds of a process's main thread and of all its other threads (Linux `/proc`). */
function readCpuSeconds(pid: number): { main: number; other: number } {
  const ticks = (path: string) => {
    const fields = readFileSync(path, 'utf8').split(') ')[1]!.split(' ')
    return (Number(fields[11]) + Number(fields[12])) / 100
  }
  const main = ticks(`/proc/${pid}/task/${pid}/stat`)
  return { main, other: ticks(`/proc/${pid}/stat`) - main }
}

function quantile(values: number[], q: number): number {
  const sorted = [...values].sort((a, b) => a - b)
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? NaN
}

/** Resident memory (MB): all, peak (VmHWM), and the part mapped from files (mostly chDB's engine library). */
function readRssMb(pid: number): { rss: number; peak: number; file: number } {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8')
  const kb = (name: string) => Number(new RegExp(`${name}:\\s+(\\d+)`).exec(status)?.[1] ?? 0)
  return { rss: kb('VmRSS') / 1024, peak: kb('VmHWM') / 1024, file: kb('RssFile') / 1024 }
}

function machine(): string {
  const cpu = cpus()[0]?.model ?? 'unknown CPU'
  return `${osType()} ${release()}, ${cpus().length} × ${cpu}, ${Math.round(totalmem() / 2 ** 30)} GiB RAM, Node ${process.version}`
}

/** The 1-minute load average: other work on the machine makes every figure lower. */
const getLoadAverage = () => loadavg()[0]!.toFixed(1)

const fmt = (n: number, digits = 0) =>
  n.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits })

interface CollectorRun {
  rows: string[]
  /** CPU µs per stored event: main thread, other threads. */
  cpuPerEvent: { main: number; other: number }
  /** Time-to-queryable (ms) of the probes at half the sustained rate, and at half the maximum. */
  ttq: { halfSustained: number[]; halfMax: number[] }
  /** RSS (MB) at idle, sampled during the batch-of-50 run at half the sustained rate, and at the end. */
  rss: { idle: number; steady: number[]; end: { rss: number; peak: number; file: number } }
  bytesPerEvent: number
}

async function runCollector(durability: string, bare: Map<string, LoadResult>): Promise<CollectorRun> {
  const dataDir = mkdtempSync(join(tmpdir(), 'rastro-bench-'))
  const configPath = join(dataDir, 'rastro.config.json')
  writeFileSync(
    configPath,
    JSON.stringify({
      adminKey: ADMIN_KEY,
      tenants: [{ id: 'bench', sites: [{ id: 'web', writeKey: WRITE_KEY }] }],
    }),
  )
  // The `rastro` command as users run it (its shebang sets glibc's malloc thresholds).
  const collector = await startChild(
    ['serve', '--port', '0', '--host', '127.0.0.1', '--data-dir', dataDir, '--config', configPath],
    { RASTRO_LOG_LEVEL: 'info', RASTRO_DURABILITY: durability },
    join(packageDir, 'bin', 'rastro.js'),
  )
  // Idle: settled after start (the engine's background threads up), before the first event.
  await new Promise((resolve) => setTimeout(resolve, 2_000))
  const run: CollectorRun = {
    rows: [],
    cpuPerEvent: { main: NaN, other: NaN },
    ttq: { halfSustained: [], halfMax: [] },
    rss: { idle: readRssMb(collector.child.pid!).rss, steady: [], end: { rss: NaN, peak: NaN, file: NaN } },
    bytesPerEvent: NaN,
  }
  const cpuAtStart = readCpuSeconds(collector.child.pid!)
  try {
    for (const scenario of scenarios) {
      const max = await load(collector.url, scenario)
      const catchUp = await waitForCatchUp(collector.url)
      const sustained = (max.eventsPerSecond * SECONDS) / (SECONDS + catchUp)
      const probed = scenario.name === 'batch of 50'
      /** Open-loop load at `requestsPerSecond`, with probes when this scenario has them. */
      const measure = async (
        requestsPerSecond: number,
        ttq: number[],
        rss?: number[],
      ): Promise<OpenLoopResult> => {
        const loaded = loadAtRate(collector.url, scenario, Math.max(1, requestsPerSecond))
        const sampler = rss && setInterval(() => rss.push(readRssMb(collector.child.pid!).rss), 250)
        if (probed) ttq.push(...(await probeTimeToQueryable(collector.url, loaded)))
        const result = await loaded
        clearInterval(sampler)
        await waitForCatchUp(collector.url)
        return result
      }
      const halfSustained = await measure(
        sustained / scenario.events / 2,
        run.ttq.halfSustained,
        probed ? run.rss.steady : undefined,
      )
      const half = await measure(max.requestsPerSecond / 2, run.ttq.halfMax)
      const baseline = bare.get(scenario.name)!
      const latency = (at: OpenLoopResult) => `${fmt(at.p50Ms, 1)} / ${fmt(at.p99Ms, 1)}`
      const refused = max.non2xx + halfSustained.non2xx + half.non2xx
      const failed = max.errors + halfSustained.errors + half.errors
      run.rows.push(
        `| ${scenario.name} | \`${durability}\` | ${fmt(max.requestsPerSecond)} | ${fmt(max.eventsPerSecond)} | ${fmt(catchUp, 1)} | ${fmt(sustained)} | ${fmt(baseline.requestsPerSecond)} | ${fmt(max.requestsPerSecond / baseline.requestsPerSecond, 2)} | ${latency(halfSustained)} | ${latency(half)} | ${refused} / ${failed} |`,
      )
      console.log(run.rows[run.rows.length - 1])
    }
    const [parts] = await adminSql(
      collector.url,
      "SELECT sum(rows) AS rows, sum(bytes_on_disk) AS bytes FROM system.parts WHERE active AND table = 'events'",
    )
    run.bytesPerEvent = Number(parts?.bytes) / Number(parts?.rows)
    const cpu = readCpuSeconds(collector.child.pid!)
    run.cpuPerEvent = {
      main: ((cpu.main - cpuAtStart.main) * 1e6) / Number(parts?.rows),
      other: ((cpu.other - cpuAtStart.other) * 1e6) / Number(parts?.rows),
    }
  } finally {
    run.rss.end = readRssMb(collector.child.pid!)
    await stopChild(collector.child)
    rmSync(dataDir, { recursive: true, force: true })
  }
  return run
}

async function main(): Promise<void> {
  const date = new Date().toISOString().slice(0, 10)
  const loadBefore = getLoadAverage()
  console.log(`machine: ${machine()}; date ${date}; ${SECONDS} s per measurement; load average ${loadBefore}`)
  const bareProcess = await startChild([join(here, 'bare-fastify.js')])
  const bare = new Map<string, LoadResult>()
  try {
    for (const scenario of scenarios) bare.set(scenario.name, await load(bareProcess.url, scenario))
  } finally {
    await stopChild(bareProcess.child)
  }
  const runs = new Map<string, CollectorRun>()
  for (const durability of DURABILITIES) runs.set(durability, await runCollector(durability, bare))
  const lines = [
    `Measured ${date} on ${machine()}; ${SECONDS} s per measurement; 1-minute load average ${loadBefore} before, ${getLoadAverage()} after (other work on the machine lowers every figure). The collector, the bare Fastify server and the load (autocannon at ${CONNECTIONS} connections for the maximum; evenly spaced requests for latency, timed from when each was due, at half the sustained rate and at half the maximum) each run in their own process on the same cores.`,
    '',
    '| scenario | durability | collector req/s | collector events/s | catch-up after (s) | sustained events/s | bare Fastify req/s | ratio | ack p50 / p99 at half the sustained rate (ms) | ack p50 / p99 at half the maximum (ms) | non-2xx / errors |',
    '| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |',
    ...[...runs.values()].flatMap((run) => run.rows),
    '',
  ]
  const ttq = (ms: number[]) => `${fmt(quantile(ms, 0.5))} / ${fmt(quantile(ms, 0.99))} (${ms.length} probes)`
  for (const [durability, run] of runs) {
    lines.push(
      `- \`${durability}\`: time-to-queryable (ack → visible in a \`SELECT\`, probes during the batch-of-50 runs, each started with the log caught up) p50 / p99 ${ttq(run.ttq.halfSustained)} ms at half the sustained rate, ${ttq(run.ttq.halfMax)} ms at half the maximum; CPU per stored event ${fmt(run.cpuPerEvent.main)} µs on the main thread and ${fmt(run.cpuPerEvent.other)} µs on the others (the CRM feed's worker, the embedded ClickHouse, file I/O); collector RSS ${fmt(run.rss.idle)} MB at idle (started, no event yet), ${fmt(quantile(run.rss.steady, 0.5))} MB median and ${fmt(Math.max(...run.rss.steady))} MB highest during the batch-of-50 run at half the sustained rate, ${fmt(run.rss.end.rss)} MB at the end (${fmt(run.rss.end.file)} MB of it mapped from files, mostly the embedded engine's library), peak ${fmt(run.rss.end.peak)} MB; ${fmt(run.bytesPerEvent)} bytes per stored event (compressed).`,
    )
  }
  const table = lines.join('\n')
  console.log(`\n${table}`)
  if (process.env.BENCH_WRITE === '1') await writeSection(table)
}

/** Rewrites the `## Collector ingest` section of the repository's BENCHMARKS.md (prettier-formatted, as `npm test` checks). */
async function writeSection(table: string): Promise<void> {
  const path = join(packageDir, '..', '..', 'BENCHMARKS.md')
  let text: string
  try {
    text = readFileSync(path, 'utf8')
  } catch {
    text = '# Benchmarks\n'
  }
  const start = '<!-- collector-ingest:start -->'
  const end = '<!-- collector-ingest:end -->'
  const block = `${start}\n${table}\n${end}`
  if (text.includes(start)) text = text.replace(new RegExp(`${start}[\\s\\S]*${end}`), block)
  else text += `\n## Collector ingest\n\n${block}\n`
  writeFileSync(path, await format(text, { ...(await resolveConfig(path)), filepath: path }))
}

main().catch((error: unknown) => {
  console.error(error)
  process.exit(1)
})
