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
import type { SiteRef } from '../src/config/key-ring.js'
import { decodeCrmRows } from '../src/crm-feed/decode-crm-rows.js'
import { encodeEventRows } from '../src/ingest/encode-event-rows.js'
import { runPipeline, type RequestInfo } from '../src/ingest/pipeline.js'
import { loadCountryDb } from '../src/ingest/country-db.js'
import { createRow, createSteps } from '../src/ingest/steps/index.js'
import { VisitorIds } from '../src/ingest/visitor-ids.js'
import { VisitorSalt } from '../src/ingest/visitor-salt.js'

const SECONDS = Number(process.env.BENCH_SECONDS ?? 2)
const BATCH = Number(process.env.BENCH_BATCH ?? 50)
const USER_AGENT =
  'Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36'

const site: SiteRef = {
  tenantId: 'bench',
  siteId: 'web',
  allowedOrigins: new Set(),
  retentionDays: 365,
  enrichment: { parseUserAgent: true, detectBots: true, country: true },
  rateLimit: undefined,
}

/** Events per page view in a body: a batch holds the events of a few page views, in order. */
const EVENTS_PER_PAGE = 10

/** `context` as `@rastro/browser` builds it (get-context.ts, create-rastro.ts, its plugins), key order included. */
function browserContext(i: number, page: { url: string; path: string; referrer: string; search: string }) {
  return {
    library: { name: '@rastro/browser', version: '0.1.0' },
    page: { ...page, title: 'Trail shoes | Shop' },
    locale: 'es-AR',
    screen: { width: 1512, height: 982, density: 2 },
    timezone: 'America/Argentina/Buenos_Aires',
    sessionId: 'ses-1733390000000',
    // The last touch (the landing page's UTM parameters) rides on every event of the session.
    campaign: { source: 'newsletter', medium: 'email', name: 'black-friday' },
    firstTouch: { source: 'google', medium: 'cpc', gclid: 'Cj0KCQiA' },
    engagement: i % EVENTS_PER_PAGE < 3 ? 'low' : 'medium',
    score: 1 + (i % 10),
    consent: { categoryPreferences: { analytics: true, marketing: false } },
  }
}

/** The `i`th event of a browser session: page views, product tracks, Page Left, Web Vital, identify. */
function browserEvent(i: number, now: number) {
  const view = Math.floor(i / EVENTS_PER_PAGE)
  // The landing page carries the campaign's UTM parameters; the next ones are clean URLs.
  const search = view === 0 ? '?utm_source=newsletter&utm_medium=email&utm_campaign=black-friday' : ''
  const path = view === 0 ? '/' : `/p/trail-shoe-${view}`
  const url = `https://shop.example${path}${search}`
  const referrer = view === 0 ? 'https://mail.example/' : `https://shop.example/p/trail-shoe-${view - 1}`
  const base = {
    messageId: `0193a6b0-7c1e-7000-8000-${String(i).padStart(12, '0')}`,
    anonymousId: '5f0c8a52-3b1e-4a8e-9a61-2f3c1d7e8b90',
    timestamp: new Date(now - (BATCH - i) * 1000).toISOString(),
    context: browserContext(i, { url, path, referrer, search }),
  }
  switch (i % EVENTS_PER_PAGE) {
    case 0:
      return {
        ...base,
        type: 'page',
        properties: { url, path, referrer, title: 'Trail shoes | Shop', search },
      }
    case 1:
    case 5:
      return {
        ...base,
        type: 'track',
        event: 'Product Viewed',
        properties: {
          product_id: `sku-${i}`,
          name: 'Trail shoe',
          price: 119.9,
          currency: 'EUR',
          position: i,
        },
      }
    case 2:
    case 3:
      return {
        ...base,
        type: 'track',
        event: 'Web Vital',
        properties: {
          name: i % 2 ? 'LCP' : 'FCP',
          value: 1830.4,
          rating: 'good',
          id: `v4-${i}`,
          navigationType: 'navigate',
        },
      }
    case 4:
    case 6:
      return {
        ...base,
        type: 'track',
        event: 'Product Added',
        properties: { product_id: `sku-${i}`, price: 119.9, quantity: 1, currency: 'EUR', cart_id: 'c-1' },
      }
    case 7:
      return {
        ...base,
        type: 'identify',
        userId: 'user-42',
        traits: { email: 'ana@example.com', name: 'Ana', plan: 'pro', createdAt: '2026-01-05T10:00:00.000Z' },
      }
    case 8:
      return {
        ...base,
        type: 'track',
        event: 'CTA Clicked',
        properties: { text: 'Buy now', selector: '#buy' },
      }
    default:
      return {
        ...base,
        type: 'track',
        event: 'Page Left',
        properties: {
          timeOnPageMs: 48_200,
          activeTimeMs: 31_050,
          scrollDepth: 85,
          interactions: 6,
          engagement: 'medium',
        },
      }
  }
}

/** A `/v1/batch` body as the browser SDK's transport joins it (create-body.ts). */
function browserBody(now: number): string {
  const items = Array.from({ length: BATCH }, (_, i) => JSON.stringify(browserEvent(i, now)))
  return `{"writeKey":"wk_bench","sentAt":"${new Date(now).toISOString()}","batch":[${items.join(',')}]}`
}

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
    const body = browserBody(now)
    const request = (): RequestInfo => ({
      site,
      receivedAt: Date.now(),
      sentAt: now,
      ip: '203.0.113.77',
      userAgent: USER_AGENT,
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
