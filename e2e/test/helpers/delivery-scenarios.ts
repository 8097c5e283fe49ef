/**
 * The browser delivery scenarios of issue 3, shared by the tests (`test/delivery*.test.ts`, few
 * iterations, assertions) and the benchmark (`bench/delivery.ts`, many iterations, a table).
 *
 * Every iteration tracks `Delivery Probe` events tagged with a run id and a kind, then leaves the
 * page in the scenario's way; the counts come from ClickHouse after `whenStored()`:
 * - `early`: captured ≥ 250 ms before the page is hidden (target: ≥ 99.5% stored);
 * - `late`: captured in the same task that leaves the page (0 ms; measured, no target);
 * - `queued`: captured while the collector was unreachable (offline, or the request aborted), to
 *   be delivered after reconnecting or on the next visit (target: 100%).
 * Duplicates are rows minus distinct `messageId`s, read without `FINAL` (target: 0).
 * Targets: shared/specs/browser-anchors.md §7.4.
 */
import type { Browser, BrowserContext, Page } from 'playwright-core'
import type { RunningCollector } from './start-collector.js'
import type { FixtureSite } from './start-fixture-site.js'

/** Events captured per kind and iteration. */
export const EARLY_PER_ITERATION = 5
export const LATE_PER_ITERATION = 1
export const QUEUED_PER_ITERATION = 3

/** How long before leaving the page the `early` events are captured (ms). */
export const EARLY_LEAD_MS = 250

export type ProbeKind = 'early' | 'late' | 'queued'

export interface DeliveryEnv {
  browser: Browser
  site: FixtureSite
  collector: RunningCollector
}

/** What one iteration captured, and what it observed on the way. */
interface IterationOutcome {
  sent: Partial<Record<ProbeKind, number>>
  /** The page came back from the back/forward cache (bfcache scenario). */
  restored?: boolean
}

export interface Scenario {
  name: string
  /** How the page is left, for the report. */
  description: string
  /** One iteration by `visitor` (who runs many, one after another); `run` tags its probes. */
  iterate(env: DeliveryEnv, visitor: Visitor, run: string): Promise<IterationOutcome>
}

export interface Tally {
  sent: number
  stored: number
}

export interface ScenarioResult {
  scenario: string
  iterations: number
  early: Tally
  late: Tally
  queued: Tally
  /** Rows stored beyond the first for a `messageId` (all events of the scenario's runs). */
  duplicates: number
  /**
   * Copies of already acknowledged events that reached the collector and were dropped by its
   * `messageId` dedup during the scenario (what at-least-once delivery costs on the wire).
   */
  resent: number
  /** Iterations whose page came back from the back/forward cache. */
  restored: number
  /** Wall time of the iterations and the wait for storage (ms). */
  durationMs: number
}

type RastroWindow = Window & {
  __ready?: boolean
  __restored?: number
  rastro: { track(event: string, properties: object): string | undefined; flush(): Promise<boolean> }
}

/** One visitor: a browser context (storage, network conditions) and the tab it keeps using. */
export interface Visitor {
  context: BrowserContext
  page?: Page
}

/**
 * Opens the fixture page (`query`: more parameters, `&…`) in the visitor's tab, or in a new one
 * when the last was closed, and waits until Rastro is initialised.
 */
export async function openPage(
  env: DeliveryEnv,
  visitor: Visitor,
  flushIntervalMs = 5000,
  query = '',
): Promise<Page> {
  const page =
    visitor.page && !visitor.page.isClosed() ? visitor.page : (visitor.page = await visitor.context.newPage())
  await page.goto(`${env.site.origin}/page.html?flushIntervalMs=${flushIntervalMs}${query}`)
  await page.waitForFunction(() => (window as unknown as RastroWindow).__ready === true)
  return page
}

/** Tracks `count` probes of `kind` for `run`; returns their message ids. */
export function trackProbes(page: Page, run: string, kind: ProbeKind, count: number): Promise<string[]> {
  return page.evaluate(
    ([run, kind, count]) => {
      const ids: string[] = []
      for (let n = 0; n < count; n++) {
        const id = (window as unknown as RastroWindow).rastro.track('Delivery Probe', { run, kind, n })
        if (id) ids.push(id)
      }
      return ids
    },
    [run, kind, count] as const,
  )
}

/** Tracks the `late` probes, then sets `location.href` in the same task. */
const trackLateThenNavigate = (page: Page, run: string, href: string) =>
  page.evaluate(
    ([run, count, href]) => {
      const w = window as unknown as RastroWindow
      for (let n = 0; n < count; n++) w.rastro.track('Delivery Probe', { run, kind: 'late', n })
      location.href = href
    },
    [run, LATE_PER_ITERATION, href] as const,
  )

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))

/** Captures the early probes and waits the lead time. */
async function trackEarly(page: Page, run: string): Promise<void> {
  await trackProbes(page, run, 'early', EARLY_PER_ITERATION)
  await sleep(EARLY_LEAD_MS)
}

const leaveCounts = { early: EARLY_PER_ITERATION, late: LATE_PER_ITERATION }

/** Stored rows for `run`'s queued probes (after `whenStored`). */
async function countStored(collector: RunningCollector, run: string, kind: ProbeKind): Promise<number> {
  await collector.app.whenStored()
  const [row] = await collector.rows<{ n: string }>(
    `SELECT uniqExact(message_id) AS n FROM events
     WHERE tenant_id = 'demo' AND event = 'Delivery Probe'
       AND JSONExtractString(properties, 'run') = {run:String} AND JSONExtractString(properties, 'kind') = {kind:String}`,
    { run, kind },
  )
  return Number(row?.n ?? 0)
}

/** Polls until `run` has `expected` stored `kind` probes, or `timeoutMs` passes. */
async function waitStored(
  collector: RunningCollector,
  run: string,
  kind: ProbeKind,
  expected: number,
  timeoutMs = 10_000,
): Promise<void> {
  const deadline = Date.now() + timeoutMs
  while ((await countStored(collector, run, kind)) < expected && Date.now() < deadline) await sleep(150)
}

export const scenarios: Scenario[] = [
  {
    name: 'navigate',
    description: 'track, then `location.href = …` in the same task (same-site page)',
    async iterate(env, visitor, run) {
      const page = await openPage(env, visitor)
      await trackEarly(page, run)
      await Promise.all([page.waitForURL(/next\.html$/), trackLateThenNavigate(page, run, '/next.html')])
      await page.waitForFunction(() => (window as unknown as RastroWindow).__ready === true)
      return { sent: leaveCounts }
    },
  },
  {
    name: 'outbound link',
    description: 'click on a link to another origin; the last event is tracked in its click handler',
    async iterate(env, visitor, run) {
      const page = await openPage(env, visitor)
      await trackEarly(page, run)
      await page.evaluate(
        ([run, count]) => {
          const w = window as unknown as RastroWindow
          document.getElementById('outbound')!.addEventListener('click', () => {
            for (let n = 0; n < count; n++) w.rastro.track('Delivery Probe', { run, kind: 'late', n })
          })
        },
        [run, LATE_PER_ITERATION] as const,
      )
      await Promise.all([page.waitForURL(/outside\.html$/), page.click('#outbound')])
      return { sent: leaveCounts }
    },
  },
  {
    name: 'page.close()',
    description: 'the tab is closed',
    async iterate(env, visitor, run) {
      const page = await openPage(env, visitor)
      await trackEarly(page, run)
      await trackProbes(page, run, 'late', LATE_PER_ITERATION)
      await page.close()
      return { sent: leaveCounts }
    },
  },
  {
    name: 'reload',
    description: '`page.reload()`',
    async iterate(env, visitor, run) {
      const page = await openPage(env, visitor)
      await trackEarly(page, run)
      await trackProbes(page, run, 'late', LATE_PER_ITERATION)
      await page.reload()
      await page.waitForFunction(() => (window as unknown as RastroWindow).__ready === true)
      return { sent: leaveCounts }
    },
  },
  {
    name: 'back/forward (bfcache)',
    description: 'link to the next page, back (restored from the bfcache), more events, forward',
    async iterate(env, visitor, run) {
      const page = await openPage(env, visitor)
      await trackEarly(page, run)
      await trackProbes(page, run, 'late', LATE_PER_ITERATION)
      await Promise.all([page.waitForURL(/next\.html$/), page.click('#next')])
      await page.waitForFunction(() => (window as unknown as RastroWindow).__ready === true)
      // A page restored from the bfcache fires `pageshow`, not `load`: wait for the commit only.
      await page.goBack({ waitUntil: 'commit' })
      await page.waitForFunction(() => (window as unknown as RastroWindow).__ready === true)
      const restored = await page.evaluate(() => ((window as unknown as RastroWindow).__restored ?? 0) > 0)
      // The restored page (or a fresh load of it) keeps tracking. Its probes are tagged apart: the
      // same page instance would collapse identical events within a second (smart events).
      await trackEarly(page, `${run}.back`)
      await trackProbes(page, `${run}.back`, 'late', LATE_PER_ITERATION)
      await page.goForward({ waitUntil: 'commit' })
      return { sent: { early: 2 * EARLY_PER_ITERATION, late: 2 * LATE_PER_ITERATION }, restored }
    },
  },
  {
    name: 'offline → online',
    description: '`context.setOffline(true)`, events and a failed flush, then back online on the same page',
    async iterate(env, visitor, run) {
      const page = await openPage(env, visitor, 200)
      await visitor.context.setOffline(true)
      await trackProbes(page, run, 'queued', QUEUED_PER_ITERATION)
      await page.evaluate(() => (window as unknown as RastroWindow).rastro.flush())
      await visitor.context.setOffline(false)
      // Delivered by the SDK's own `online` handler and retries: the test does not flush.
      await waitStored(env.collector, run, 'queued', QUEUED_PER_ITERATION)
      return { sent: { queued: QUEUED_PER_ITERATION } }
    },
  },
  {
    name: 'offline, next visit',
    description: 'events while offline, the tab closed offline; the site opened again online',
    async iterate(env, visitor, run) {
      const page = await openPage(env, visitor, 200)
      await visitor.context.setOffline(true)
      await trackProbes(page, run, 'queued', QUEUED_PER_ITERATION)
      await page.evaluate(() => (window as unknown as RastroWindow).rastro.flush())
      await page.close()
      await visitor.context.setOffline(false)
      await openPage(env, visitor, 200)
      await waitStored(env.collector, run, 'queued', QUEUED_PER_ITERATION)
      return { sent: { queued: QUEUED_PER_ITERATION } }
    },
  },
  {
    name: 'aborted, then reload',
    description:
      'every request of the first page fails (connection aborted, page-hide beacon included), then the page is reloaded',
    async iterate(env, visitor, run) {
      const page = await openPage(env, visitor, 200, `&abortFirst=${encodeURIComponent(run)}`)
      const ids = await trackProbes(page, run, 'queued', QUEUED_PER_ITERATION)
      const flushed = await page.evaluate(() => (window as unknown as RastroWindow).rastro.flush())
      if (flushed) throw new Error('the first page’s flush was meant to fail')
      await page.reload()
      await page.waitForFunction(() => (window as unknown as RastroWindow).__ready === true)
      await waitStored(env.collector, run, 'queued', QUEUED_PER_ITERATION)
      return { sent: { queued: ids.length } }
    },
  },
]

interface KindRow {
  kind: ProbeKind
  rows: string
  ids: string
}

/** Reads the stored counts of a scenario's runs (prefix `run`), polling until they stop growing. */
async function readResult(
  collector: RunningCollector,
  prefix: string,
  expected: number,
): Promise<{ rows: KindRow[]; duplicates: number }> {
  const read = async () => {
    await collector.app.whenStored()
    const rows = await collector.rows<KindRow>(
      `SELECT JSONExtractString(properties, 'kind') AS kind, count() AS rows, uniqExact(message_id) AS ids
       FROM events
       WHERE tenant_id = 'demo' AND event = 'Delivery Probe' AND startsWith(JSONExtractString(properties, 'run'), {prefix:String})
       GROUP BY kind`,
      { prefix },
    )
    return rows
  }
  // Beacons of closed pages may still be on their way: wait until all arrived, or nothing new for 2 s.
  let rows = await read()
  let total = rows.reduce((sum, row) => sum + Number(row.ids), 0)
  let lastChange = Date.now()
  while (total < expected && Date.now() - lastChange < 2000) {
    await sleep(200)
    rows = await read()
    const next = rows.reduce((sum, row) => sum + Number(row.ids), 0)
    if (next !== total) lastChange = Date.now()
    total = next
  }
  const duplicates = rows.reduce((sum, row) => sum + Number(row.rows) - Number(row.ids), 0)
  return { rows, duplicates }
}

/**
 * Runs `iterations` iterations of `scenario` and counts what was stored. `concurrency` workers run
 * them side by side, each in its own browser context (its own storage and network conditions) that
 * its iterations share, as one visitor's tabs would.
 */
export async function measureScenario(
  env: DeliveryEnv,
  scenario: Scenario,
  iterations: number,
  concurrency = 1,
  runPrefix = `${scenario.name}#${Date.now()}`,
): Promise<ScenarioResult> {
  const started = Date.now()
  const resentBefore = await countResent(env.collector)
  const sent: Record<ProbeKind, number> = { early: 0, late: 0, queued: 0 }
  let restored = 0
  let next = 0
  const work = async () => {
    const visitor: Visitor = { context: await env.browser.newContext() }
    try {
      for (let i = next++; i < iterations; i = next++) {
        const outcome = await scenario.iterate(env, visitor, `${runPrefix}/${i}`)
        for (const kind of Object.keys(outcome.sent) as ProbeKind[]) sent[kind] += outcome.sent[kind] ?? 0
        if (outcome.restored) restored++
      }
    } finally {
      await visitor.context.close()
    }
  }
  await Promise.all(Array.from({ length: Math.min(concurrency, iterations) }, work))
  const { rows, duplicates } = await readResult(
    env.collector,
    `${runPrefix}/`,
    sent.early + sent.late + sent.queued,
  )
  const stored = (kind: ProbeKind) => Number(rows.find((row) => row.kind === kind)?.ids ?? 0)
  return {
    scenario: scenario.name,
    iterations,
    early: { sent: sent.early, stored: stored('early') },
    late: { sent: sent.late, stored: stored('late') },
    queued: { sent: sent.queued, stored: stored('queued') },
    duplicates,
    resent: (await countResent(env.collector)) - resentBefore,
    restored,
    durationMs: Date.now() - started,
  }
}

/** Copies dropped by the collector's dedup so far (`rastro_ingest_events_duplicate_total`). */
async function countResent(collector: RunningCollector): Promise<number> {
  const metric = await collector.app.metrics.eventsDuplicate.get()
  return metric.values[0]?.value ?? 0
}

/** Rows stored beyond the first per `messageId`, over every event of the tenant (no `FINAL`). */
export async function countDuplicateRows(collector: RunningCollector): Promise<number> {
  await collector.app.whenStored()
  const [row] = await collector.rows<{ n: string }>(
    "SELECT count() - uniqExact(message_id) AS n FROM events WHERE tenant_id = 'demo'",
  )
  return Number(row?.n ?? 0)
}
