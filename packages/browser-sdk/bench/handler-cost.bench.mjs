/**
 * `npm run bench -w @rastro/browser`: what the script-tag build's capture listeners cost the page,
 * in Debian's Chromium (headless). A page of ~600 elements dispatches 2,000 clicks (on a button,
 * a link, a `[data-rastro-event]` element and plain text, at spread positions) and 2,000 scroll
 * events; each dispatch is timed with `performance.now()`, once with `rastro.js` (default plugins
 * and the heatmap chunk) and once without any SDK, and the difference is the SDK's cost. The
 * collector is faked by request routing (200 to every batch): this measures the page's main
 * thread, not delivery. Rewrites the `## Browser SDK capture handlers` section of BENCHMARKS.md.
 * `BENCH_DISPATCHES` sets the count; `BENCH_OPTIONS` (JSON) adds `init` options, e.g.
 * `{"autocapture":{"deadClicks":false}}`, to compare switches (the section then says which).
 */
/* global URL, performance, MouseEvent, Event -- the evaluate() callback runs in the page */
import { existsSync, readFileSync, writeFileSync } from 'node:fs'
import { availableParallelism, cpus, loadavg } from 'node:os'
import { join } from 'node:path'
import { chromium } from 'playwright-core'
import * as prettier from 'prettier'

const DISPATCHES = Number(process.env.BENCH_DISPATCHES ?? 2000)
const ORIGIN = 'http://bench.rastro.test'
const dist = join(import.meta.dirname, '../dist')
const benchmarksFile = join(import.meta.dirname, '../../../BENCHMARKS.md')
const TITLE = '## Browser SDK capture handlers'
/** Options of the page that times `track()` alone. */
const TRACK_ONLY = JSON.stringify({
  autocapture: false,
  engagement: false,
  smartEvents: false,
  vitals: false,
  heatmaps: false,
})

const body = `<main>${'<section><h2>Title</h2><p>Text <a href="/x">link</a> <span>more</span></p><ul><li>a</li><li>b</li></ul></section>'.repeat(60)}
<button id="b">Buy</button><a id="l" href="#top">Top</a><div id="n" data-rastro-event="Card Opened" data-rastro-id="7">Card</div>
<p id="t">Plain text</p><div style="height:4000px"></div></main>`
const page = (withSdk) => `<!doctype html><html><head><title>Bench</title></head><body>${body}
${withSdk ? `<script src="/rastro.js"></script><script>rastro.init(Object.assign({ writeKey: 'wk_bench', host: location.origin, heatmaps: true }, ${withSdk == 'track' ? TRACK_ONLY : process.env.BENCH_OPTIONS || '{}'}))</script>` : ''}
</body></html>`

/** Dispatches clicks and scrolls in the page and returns each dispatch's duration (ms). */
/** @param withSdk `false`, `true`, or `'track'` to time `rastro.track()` calls without plugins. */
async function measure(browser, withSdk) {
  const context = await browser.newContext({ viewport: { width: 1280, height: 800 } })
  await context.route(`${ORIGIN}/**`, (route) => {
    const { pathname } = new URL(route.request().url())
    if (pathname == '/') return route.fulfill({ contentType: 'text/html', body: page(withSdk) })
    if (pathname.endsWith('.js'))
      return route.fulfill({ contentType: 'text/javascript', body: readFileSync(join(dist, pathname)) })
    return route.fulfill({ contentType: 'application/json', body: '{"ok":true,"accepted":1,"rejected":[]}' })
  })
  const tab = await context.newPage()
  await tab.goto(`${ORIGIN}/`)
  if (withSdk) await tab.waitForFunction(() => typeof window.rastro.flush == 'function')
  await tab.waitForTimeout(1000) // the chunks load meanwhile
  if (withSdk == 'track') {
    return tab.evaluate((n) => {
      const track = []
      for (let i = 0; i < n; i++) {
        const t = performance.now()
        window.rastro.track('Bench Event', { i, text: 'Buy' })
        track.push(performance.now() - t)
      }
      return { track }
    }, DISPATCHES)
  }
  const times = await tab.evaluate((n) => {
    const targets = ['#b', '#l', '#n', '#t'].map((s) => document.querySelector(s))
    const click = [],
      scroll = []
    for (let i = 0; i < n; i++) {
      const target = targets[i % targets.length]
      const init = { bubbles: true, cancelable: true, clientX: (i * 37) % 1200, clientY: (i * 53) % 700 }
      let t = performance.now()
      target.dispatchEvent(new MouseEvent('click', init))
      click.push(performance.now() - t)
      t = performance.now()
      window.dispatchEvent(new Event('scroll'))
      scroll.push(performance.now() - t)
    }
    return { click, scroll }
  }, DISPATCHES)
  await context.close()
  return times
}

const quantile = (values, q) =>
  [...values].sort((a, b) => a - b)[Math.min(values.length - 1, Math.floor(q * values.length))]
const ms = (value) => value.toFixed(3)

/** Replaces (or appends) this bench's section, formatted as `prettier --check` wants it. */
async function writeSection(section) {
  const doc = existsSync(benchmarksFile) ? readFileSync(benchmarksFile, 'utf8') : '# Benchmarks\n'
  const start = doc.indexOf(`\n${TITLE}\n`)
  let next = start === -1 ? -1 : doc.indexOf('\n## ', start + 1)
  if (next === -1) next = doc.length
  const updated =
    start === -1 ? `${doc.trimEnd()}\n\n${section}` : `${doc.slice(0, start)}\n${section}${doc.slice(next)}`
  const options = (await prettier.resolveConfig(benchmarksFile)) ?? {}
  writeFileSync(benchmarksFile, await prettier.format(updated, { ...options, parser: 'markdown' }))
}

const load = loadavg()[0]
const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
  args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--no-first-run'],
})
try {
  const base = await measure(browser, false)
  const sdk = await measure(browser, true)
  const { track } = await measure(browser, 'track')
  const version = (await browser.version()).split('.')[0]
  const [t50, t95, t99] = [0.5, 0.95, 0.99].map((q) => ms(quantile(track, q)))
  const rows = ['click', 'scroll'].map((kind) => {
    const [p50, p95, p99] = [0.5, 0.95, 0.99].map((q) => quantile(sdk[kind], q) - quantile(base[kind], q))
    return `| ${kind} | ${ms(Math.max(0, p50))} | ${ms(Math.max(0, p95))} | ${ms(Math.max(0, p99))} | ${ms(Math.max(...sdk[kind]))} |`
  })
  const section = `${TITLE}

\`npm run bench -w @rastro/browser\` (packages/browser-sdk/bench/handler-cost.bench.mjs), ${new Date().toISOString().slice(0, 10)},
Chromium ${version} headless, ${availableParallelism()} CPUs (${cpus()[0]?.model.trim() ?? 'unknown CPU'}), 1-minute load
average ${load.toFixed(1)} at the start. ${DISPATCHES.toLocaleString('en-US')} synthetic clicks (button, link,
\`[data-rastro-event]\`, plain text) and as many scroll events, each timed around \`dispatchEvent\`: with
\`rastro.js\` (default plugins plus heatmaps${process.env.BENCH_OPTIONS ? `, options ${process.env.BENCH_OPTIONS}` : ''}) minus the same page without any SDK, per quantile. Clicks include
autocapture, rage-click and dead-click checks, the heatmap point (a layout read) and recording the event;
scroll handlers only schedule their work for the next frame. Target: ≤ 1 ms at p95 (browser-anchors.md §7.9).

| event | SDK cost p50 (ms) | p95 (ms) | p99 (ms) | slowest dispatch with the SDK (ms) |
| --- | ---: | ---: | ---: | ---: |
${rows.join('\n')}
| \`rastro.track()\` alone (core, no plugins) | ${t50} | ${t95} | ${t99} | ${ms(Math.max(...track))} |

A click that records an event costs about one \`track()\` (the core serialises it and hands it to the
persistent queue) plus the plugins' own reads; clicks on plain text record only a heatmap point.
`
  await writeSection(section)
  console.log(section)
} finally {
  await browser.close()
}
