/**
 * Heatmaps benchmark (`npm run bench:heatmaps -w @rastro/collector`; bundled into dist/ so the
 * server finds its package.json), on the embedded engine, in this process, as wall and CPU time: (1) what the `heatmap_clicks` materialized view adds to an `events` insert that
 * holds no `$heatmap` event (the common case: the view only filters), against a copy of `events`
 * without the view; (2) inserting `$heatmap` events (50 points each) through the view; (3) the
 * latency of `GET /v1/heatmaps` for one page at that volume.
 *
 * Environment: BENCH_EVENTS (plain events per insert, default 100,000), BENCH_HEATMAP_EVENTS
 * (`$heatmap` events, default 20,000, i.e. 1M points over 10 pages).
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { cpus, release, tmpdir, totalmem, type as osType } from 'node:os'
import { join } from 'node:path'
import { createServer, loadConfig } from '../src/index.js'

const EVENTS = Number(process.env.BENCH_EVENTS ?? 100_000)
const HEATMAP_EVENTS = Number(process.env.BENCH_HEATMAP_EVENTS ?? 20_000)
const RUNS = 5
const SECRET_KEY = 'sk_bench_heatmaps_secret_key'

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b)
  return sorted[Math.floor(sorted.length / 2)]!
}

/** Wall and CPU time of `run` (ms). CPU counts every thread of this process, the embedded engine's too, so it is
 * the steadier figure on a shared machine. */
async function timed(run: () => Promise<unknown>): Promise<{ wallMs: number; cpuMs: number }> {
  const cpu = process.cpuUsage()
  const started = performance.now()
  await run()
  const used = process.cpuUsage(cpu)
  return { wallMs: performance.now() - started, cpuMs: (used.user + used.system) / 1000 }
}

/** `median wall ms (median CPU ms)` of runs. */
function describe(runs: { wallMs: number; cpuMs: number }[]): string {
  return `${median(runs.map((run) => run.wallMs)).toFixed(0)} ms wall (${median(runs.map((run) => run.cpuMs)).toFixed(0)} ms CPU)`
}

/** `n` plain track events as an `INSERT … SELECT` from `numbers()`, ~600 bytes of JSON each. */
const plainEvents = (table: string, n: number, offset: number) => `INSERT INTO ${table}
  (timestamp, tenant_id, site_id, message_id, type, event, anonymous_id, url, properties, context, retention_days)
  SELECT now64(3) - toIntervalSecond(number % 86400), 'bench', 'web', concat('m-', toString(number + ${offset})),
    'track', if(number % 3 = 0, 'Product Viewed', 'CTA Clicked'), concat('a', toString(number % 1000)),
    'https://shop.example/p/sku?utm_source=news',
    concat('{"product_id":"sku-', toString(number), '","price":19.9,"currency":"EUR","position":', toString(number), '}'),
    '{"library":{"name":"@rastro/browser","version":"0.1.0"},"locale":"es-AR","page":{"url":"https://shop.example/p/sku"}}',
    30
  FROM numbers(${n})`

/** `n` `$heatmap` events of 50 points each, over 10 pages, desktop width. */
const heatmapEvents = (n: number) => `INSERT INTO events
  (timestamp, tenant_id, site_id, message_id, type, event, anonymous_id, url, properties, context, retention_days)
  SELECT now64(3) - toIntervalSecond(number % 86400), 'bench', 'web', concat('hm-', toString(number)), 'track',
    '$heatmap', concat('a', toString(number % 1000)), concat('https://shop.example/p/', toString(number % 10)),
    concat('{"points":[', arrayStringConcat(arrayMap(i -> concat(
      '{"x":', toString((number * 7 + i * 13) % 1280), ',"y":', toString((number * 11 + i * 17) % 3000),
      ',"w":1280,"s":"main > div:nth-child(', toString(i % 30), ') > a","ox":', toString(((number + i) % 100) / 100),
      ',"oy":0.5}'), range(50)), ','), '],"pageHeight":3000}'),
    '{}', 30
  FROM numbers(${n})`

async function main(): Promise<void> {
  const dataDir = mkdtempSync(join(tmpdir(), 'rastro-bench-heatmaps-'))
  const configPath = join(dataDir, 'rastro.config.json')
  writeFileSync(
    configPath,
    JSON.stringify({
      tenants: [
        {
          id: 'bench',
          sites: [{ id: 'web', writeKey: 'wk_bench_heatmaps' }],
          secretKeys: [{ key: SECRET_KEY }],
        },
      ],
    }),
  )
  const app = await createServer({
    config: loadConfig({ configPath, env: {}, flags: { dataDir, logLevel: 'warn' } }),
  })
  const client = app.store.client
  try {
    const heatmap = await timed(() => client.command({ query: heatmapEvents(HEATMAP_EVENTS) }))
    const points = await client.query({
      query: 'SELECT count() AS n FROM heatmap_clicks',
      format: 'JSONEachRow',
    })
    const n = (await points.json<{ n: string }>())[0]?.n
    const query: { wallMs: number; cpuMs: number }[] = []
    let clicks = 0
    for (let run = 0; run < RUNS; run++) {
      query.push(
        await timed(async () => {
          const response = await app.inject({
            method: 'GET',
            url: `/v1/heatmaps?url=${encodeURIComponent('https://shop.example/p/3')}`,
            headers: { authorization: `Bearer ${SECRET_KEY}` },
          })
          clicks = response.json().clicks
        }),
      )
    }
    // The same inserts into the same table, with the view attached and detached in turn.
    const withView: { wallMs: number; cpuMs: number }[] = []
    const withoutView: { wallMs: number; cpuMs: number }[] = []
    for (let run = 0; run < RUNS; run++) {
      withView.push(
        await timed(() => client.command({ query: plainEvents('events', EVENTS, 2 * run * EVENTS) })),
      )
      await client.command({ query: 'DETACH TABLE heatmap_clicks_mv' })
      withoutView.push(
        await timed(() => client.command({ query: plainEvents('events', EVENTS, (2 * run + 1) * EVENTS) })),
      )
      await client.command({ query: 'ATTACH TABLE heatmap_clicks_mv' })
    }
    const cpu = cpus()[0]?.model ?? 'unknown CPU'
    console.log(
      `${osType()} ${release()}, ${cpus().length} × ${cpu}, ${Math.round(totalmem() / 2 ** 30)} GiB RAM, Node ${process.version}`,
    )
    console.log(
      `insert of ${EVENTS} plain events, median of ${RUNS}: ${describe(withoutView)} without the view, ${describe(withView)} with it`,
    )
    console.log(`insert of ${HEATMAP_EVENTS} $heatmap events → ${n} points: ${describe([heatmap])}`)
    console.log(`GET /v1/heatmaps for one page (${clicks} clicks), median of ${RUNS}: ${describe(query)}`)
  } finally {
    await app.close()
    rmSync(dataDir, { recursive: true, force: true })
  }
}

await main()
