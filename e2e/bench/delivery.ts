/**
 * Browser delivery benchmark: runs every scenario of `test/helpers/delivery-scenarios.ts` many
 * times in a real Chromium against the real collector and prints the delivery rates as a Markdown
 * table (the "Browser delivery" section of BENCHMARKS.md).
 *
 * Usage: `npm run bench` (in e2e/), or `npm run bench -- [iterations=100] [concurrency=2] [scenario name part…]`. `concurrency` visitors (browser contexts) run the iterations side by side.
 */
import { cpus, loadavg, release, totalmem } from 'node:os'
import {
  countDuplicateRows,
  measureScenario,
  scenarios,
  type ScenarioResult,
  type Tally,
} from '../test/helpers/delivery-scenarios.js'
import { CHROMIUM_PATH, launchChromium } from '../test/helpers/launch-chromium.js'
import { demoKeys, startCollector, type RunningCollector } from '../test/helpers/start-collector.js'
import { startFixtureSite } from '../test/helpers/start-fixture-site.js'

const [iterationsArg, concurrencyArg, ...only] = process.argv.slice(2)
const iterations = Number(iterationsArg) || 100
const concurrency = Number(concurrencyArg) || 2

const rate = (tally: Tally) =>
  tally.sent ? `${((100 * tally.stored) / tally.sent).toFixed(1)}% (${tally.stored}/${tally.sent})` : '–'

function printRow(result: ScenarioResult): void {
  const restored = result.scenario.includes('bfcache')
    ? ` ${result.restored}/${result.iterations} restored`
    : ''
  console.log(
    `| ${result.scenario} | ${result.iterations} | ${rate(result.early)} | ${rate(result.late)} | ${rate(result.queued)} | ${result.duplicates} | ${result.resent} | ${(result.durationMs / 1000).toFixed(1)} s${restored} |`,
  )
}

const started: { collector?: RunningCollector } = {}
const site = await startFixtureSite(() => started.collector!.origin, demoKeys.writeKey)
const collector = (started.collector = await startCollector({ allowedOrigins: [site.origin] }))
const browser = await launchChromium({ backForwardCache: true })
const loadBefore = loadavg()[0]!.toFixed(1)
try {
  console.log(
    `Chromium ${browser.version()} (${CHROMIUM_PATH}), headless; Node ${process.version}; ${cpus()[0]?.model ?? 'cpu'} × ${cpus().length}, ${Math.round(totalmem() / 2 ** 30)} GiB, Linux ${release()}; ${new Date().toISOString().slice(0, 16)} UTC; ${concurrency} visitors at a time`,
  )
  console.log('')
  console.log(
    '| scenario | iterations | captured ≥ 250 ms before hide | captured at hide (0 ms) | queued (offline / aborted) | duplicates stored | copies resent (dropped by dedup) | wall time |',
  )
  console.log('| --- | --- | --- | --- | --- | --- | --- | --- |')
  for (const scenario of scenarios) {
    if (only.length && !only.some((name) => scenario.name.includes(name))) continue
    printRow(await measureScenario({ browser, site, collector }, scenario, iterations, concurrency))
  }
  console.log('')
  console.log(
    `Duplicate rows over all stored events (page views included): ${await countDuplicateRows(collector)}`,
  )
  console.log(`1-minute load average: ${loadBefore} before, ${loadavg()[0]!.toFixed(1)} after`)
} finally {
  await browser.close()
  await site.stop()
  await collector.stop()
}
