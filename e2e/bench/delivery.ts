/**
 * Browser delivery benchmark: runs every scenario of `test/helpers/delivery-scenarios.ts` many
 * times in a real Chromium against the real collector and prints the delivery rates as a Markdown
 * table (the "Browser delivery" section of BENCHMARKS.md).
 *
 * `BENCH_WRITE=1` also rewrites that block of BENCHMARKS.md (between its `browser-delivery` markers).
 *
 * Usage: `npm run bench` (in e2e/), or `npm run bench -- [iterations=100] [concurrency=2] [scenario name part…]`. `concurrency` visitors (browser contexts) run the iterations side by side.
 */
import { readFileSync, writeFileSync } from 'node:fs'
import { cpus, loadavg, release, totalmem } from 'node:os'
import { fileURLToPath } from 'node:url'
import { format, resolveConfig } from 'prettier'
import {
  countDuplicateRows,
  measureScenario,
  scenarios,
  type ScenarioResult,
  type Tally,
} from '../test/helpers/delivery-scenarios.js'
import { launchChromium } from '../test/helpers/launch-chromium.js'
import { demoKeys, startCollector, type RunningCollector } from '../test/helpers/start-collector.js'
import { startFixtureSite } from '../test/helpers/start-fixture-site.js'

const [iterationsArg, concurrencyArg, ...only] = process.argv.slice(2)
const iterations = Number(iterationsArg) || 100
const concurrency = Number(concurrencyArg) || 2

const rate = (tally: Tally) =>
  tally.sent ? `${((100 * tally.stored) / tally.sent).toFixed(1)}% (${tally.stored}/${tally.sent})` : '–'

const toRow = (result: ScenarioResult) =>
  `| ${result.scenario} | ${result.iterations} | ${rate(result.early)} | ${rate(result.late)} | ${rate(result.queued)} | ${result.duplicates} | ${result.resent} | ${result.scenario.includes('bfcache') ? `${result.restored}/${result.iterations}` : '–'} | ${(result.durationMs / 1000).toFixed(1)} s |`

/** Replaces the block between the markers in BENCHMARKS.md with `lines`, formatted by Prettier. */
async function writeBenchmarks(lines: string[]): Promise<void> {
  // Runs bundled, from e2e/dist/bench/.
  const path = fileURLToPath(new URL('../../../BENCHMARKS.md', import.meta.url))
  const text = readFileSync(path, 'utf8')
  const start = text.indexOf(MARK_START)
  const end = text.indexOf(MARK_END)
  if (start < 0 || end < start) throw new Error(`${path}: markers ${MARK_START} … ${MARK_END} not found`)
  const next = `${text.slice(0, start + MARK_START.length)}\n\n${lines.join('\n')}\n\n${text.slice(end)}`
  const options = (await resolveConfig(path)) ?? {}
  writeFileSync(path, await format(next, { ...options, filepath: path }))
  console.log(`rewrote the browser-delivery block of ${path}`)
}

const MARK_START = '<!-- browser-delivery:start -->'
const MARK_END = '<!-- browser-delivery:end -->'

const started: { collector?: RunningCollector } = {}
const site = await startFixtureSite(() => started.collector!.origin, demoKeys.writeKey)
const collector = (started.collector = await startCollector({ allowedOrigins: [site.origin] }))
const browser = await launchChromium({ backForwardCache: true })
const loadBefore = loadavg()[0]!.toFixed(1)
const when = new Date().toISOString().slice(0, 16).replace('T', ' ')
const rows: string[] = []
try {
  console.log(
    '| scenario | iterations | captured ≥ 250 ms before hide | captured at hide (0 ms) | queued | duplicates stored | copies resent | restored from bfcache | wall time |',
  )
  for (const scenario of scenarios) {
    if (only.length && !only.some((name) => scenario.name.includes(name))) continue
    rows.push(toRow(await measureScenario({ browser, site, collector }, scenario, iterations, concurrency)))
    console.log(rows[rows.length - 1])
  }
  const lines = [
    `Measured ${when} UTC: Chromium ${browser.version()} headless, Node ${process.version}, ${cpus()[0]?.model ?? 'CPU'} × ${cpus().length} cores, ${Math.round(totalmem() / 2 ** 30)} GiB, Linux ${release()}. ${concurrency} visitors (browser contexts) at a time, each reusing its tab between iterations. 1-minute load average ${loadBefore} before, ${loadavg()[0]!.toFixed(1)} after (other work on the machine inflates the wall times, not the rates).`,
    '',
    '| scenario | iterations | captured ≥ 250 ms before hide | captured at hide (0 ms) | queued | duplicates stored | copies resent | restored from bfcache | wall time |',
    '| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |',
    ...rows,
    '',
    `Duplicate rows over all stored events (page views included): ${await countDuplicateRows(collector)}.`,
  ]
  console.log(`\n${lines.join('\n')}`)
  if (process.env.BENCH_WRITE === '1') await writeBenchmarks(lines)
} finally {
  await browser.close()
  await site.stop()
  await collector.stop()
}
