/**
 * In-process benchmark of the ingest CPU per event (`npm run bench:steps -w @rastro/collector`):
 * the body parse, each step of the pipeline (`src/ingest/steps/`) and the row encoding
 * (`encode-event-rows.ts`) and its decoding by the log's row consumers, on the events the browser SDK sends (page views, tracks with
 * properties, `Page Left`, `Web Vital`, identify; ten per page view) in a `/v1/batch` body as it
 * builds it. No HTTP,
 * no log, no ClickHouse: what is left is the collector's own work, in ns per event.
 *
 * Each line is the fastest of many rounds of 100 ms of CPU time (CPU time, not wall time: the
 * machine may be shared), the one least disturbed by other work. Each step's time comes from the
 * pipeline's own per-step timing (wall time, which adds a `performance.now()` pair, ~50 ns, to
 * each step); the "steps, untimed" line is the pipeline run without it.
 *
 * Environment: BENCH_SECONDS (per measurement, default 2), BENCH_BATCH (events per body, default 50).
 * Profile with `node --cpu-prof dist/steps.bench.js`.
 */
import { mkdtempSync, rmSync } from 'node:fs'
import { cpus, tmpdir } from 'node:os'
import { join } from 'node:path'
import { decodeCrmRows } from '../src/crm-feed/decode-crm-rows.js'
import { encodeEventRows } from '../src/ingest/encode-event-rows.js'
import { runPipeline, type RequestInfo } from '../src/ingest/pipeline.js'
import { loadCountryDb } from '../src/ingest/country-db.js'
import { createRow, createSteps } from '../src/ingest/steps/index.js'
import { VisitorIds } from '../src/ingest/visitor-ids.js'
import { VisitorSalt } from '../src/ingest/visitor-salt.js'
import { BENCH_SITE, BENCH_USER_AGENT, browserBody } from './browser-events.js'

const SECONDS = Number(process.env.BENCH_SECONDS ?? 2)
const BATCH = Number(process.env.BENCH_BATCH ?? 50)
/** CPU time of one round of a measurement (ms): each line is the fastest round, the least disturbed by other work. */
const ROUND_MS = 100

/** CPU time this process has used (ms): unlike wall time, it does not count waiting for a core. */
function getCpuMs(): number {
  const { user, system } = process.cpuUsage()
  return (user + system) / 1000
}

/**
 * Runs `work` (which handles `perRun` events) in rounds for {@link SECONDS} of CPU time, calling
 * `onRound` after the warm-up (with 0) and after each round with its number of events; returns
 * the fastest round's CPU ns per event.
 */
function measure(perRun: number, work: () => void, onRound?: (events: number) => void): number {
  for (let i = 0; i < 200; i++) work()
  onRound?.(0)
  let best = Infinity
  const until = getCpuMs() + SECONDS * 1000
  while (getCpuMs() < until) {
    const started = getCpuMs()
    let runs = 0
    let used = 0
    while (used < ROUND_MS) {
      for (let i = 0; i < 10; i++) work()
      runs += 10
      used = getCpuMs() - started
    }
    best = Math.min(best, (used * 1e6) / (runs * perRun))
    onRound?.(runs * perRun)
  }
  return best
}

function main(): void {
  const dataDir = mkdtempSync(join(tmpdir(), 'rastro-steps-bench-'))
  try {
    const steps = createSteps({
      visitorIds: new VisitorIds({ salt: new VisitorSalt(dataDir) }),
      countries: loadCountryDb(),
    })
    const now = Date.now()
    const body = browserBody(now, BATCH)
    const request = (): RequestInfo => ({
      site: BENCH_SITE,
      receivedAt: Date.now(),
      sentAt: now,
      ip: '203.0.113.77',
      userAgent: BENCH_USER_AGENT,
    })
    // As the batch route hands them over: each event a shallow copy (mergeOuter).
    const parse = () => (JSON.parse(body) as { batch: object[] }).batch.map((event) => ({ ...event }))
    const sample = runPipeline(parse(), request(), steps, createRow)
    if (sample.rejected.length > 0) throw new Error(`rejected: ${JSON.stringify(sample.rejected)}`)

    console.log(
      `${cpus().length} × ${cpus()[0]?.model}, Node ${process.version}; ${BATCH} events per body (${Math.round(body.length / BATCH)} bytes each); ${SECONDS} s per line`,
    )
    const lines: [string, number][] = []
    lines.push(['body parse (JSON.parse + copy)', measure(BATCH, parse)])
    // Per step: the fastest round of each, timed by the pipeline itself.
    const stepMs = new Float64Array(steps.length)
    const bestStepNs = new Float64Array(steps.length).fill(Infinity)
    const timed = measure(
      BATCH,
      () => void runPipeline(parse(), request(), steps, createRow, stepMs),
      (events) => {
        if (events > 0)
          stepMs.forEach((ms, i) => (bestStepNs[i] = Math.min(bestStepNs[i]!, (ms * 1e6) / events)))
        stepMs.fill(0)
      },
    )
    steps.forEach((step, i) => lines.push([`  ${step.name}`, bestStepNs[i]!]))
    lines.push(['steps, timed (incl. parse)', timed])
    const untimed = measure(BATCH, () => void runPipeline(parse(), request(), steps, createRow))
    lines.push(['steps, untimed (incl. parse)', untimed])
    const rows = runPipeline(parse(), request(), steps, createRow).rows
    // The same rows again and again: strings built by concatenation are flattened once only here.
    lines.push(['row encoding (encodeEventRows)', measure(BATCH, () => void encodeEventRows(rows))])
    const total = measure(
      BATCH,
      () => void encodeEventRows(runPipeline(parse(), request(), steps, createRow).rows),
    )
    lines.push(['parse + steps + encoding', total])
    // What each log consumer that wants rows (the CRM feed) pays to read them back.
    const payload = encodeEventRows(rows)[0]!
    lines.push(["row decoding, the CRM feed's", measure(BATCH, () => void decodeCrmRows(payload))])
    for (const [name, ns] of lines) console.log(`${name.padEnd(34)} ${ns.toFixed(0).padStart(7)} ns/event`)
    console.log(`≈ ${Math.round(1e9 / total).toLocaleString('en-US')} events/s per core for this CPU work`)
  } finally {
    rmSync(dataDir, { recursive: true, force: true })
  }
}

main()
