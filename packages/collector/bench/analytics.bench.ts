/**
 * Analytics API benchmark (`npm run bench -w @rastro/collector`): the reads the dashboard makes,
 * through the whole HTTP stack (Fastify inject) on the embedded ClickHouse, over 1,000,000 events
 * (200,000 sessions of 5, 150,000 visitors, 90 days) generated with INSERT … SELECT, history merged
 * and a live tail of five unmerged inserts. Target (issue 9): every call ≤ 500 ms.
 *
 * Environment: BENCH_EVENTS (default 1,000,000), BENCH_RUNS (per read, default 20),
 * BENCH_WRITE=1 to rewrite the `## Dashboard analytics API` section of BENCHMARKS.md.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { cpus, loadavg, release, tmpdir, totalmem, type as osType } from 'node:os'
import { join } from 'node:path'
import { format, resolveConfig } from 'prettier'
import { createServer, loadConfig } from '../src/index.js'

const EVENTS = Number(process.env.BENCH_EVENTS ?? 1_000_000)
const RUNS = Number(process.env.BENCH_RUNS ?? 20)
const SECRET_KEY = 'sk_bench_secret_key_0123456789'
const TARGET_MS = 500
const here = new URL('.', import.meta.url).pathname
/** Bundled to `dist/analytics.bench.js`, beside which `src/`'s relative reads (`../package.json`) resolve. */
const packageDir = join(here, '..')

async function main(): Promise<void> {
  const dataDir = mkdtempSync(join(tmpdir(), 'rastro-bench-analytics-'))
  const configPath = join(dataDir, 'rastro.config.json')
  writeFileSync(
    configPath,
    JSON.stringify({
      tenants: [
        {
          id: 'one',
          timeZone: 'Europe/Madrid',
          sites: [{ id: 'web', writeKey: 'wk_bench_site_key' }],
          secretKeys: [{ key: SECRET_KEY, role: 'owner' }],
        },
      ],
    }),
  )
  const app = await createServer({
    config: loadConfig({ configPath, env: {}, flags: { dataDir, port: 0, logLevel: 'warn' } }),
  })
  const run = (query: string) => app.store.client.command({ query })
  const started = performance.now()
  await run(`INSERT INTO events (tenant_id, site_id, message_id, type, event, name, anonymous_id, user_id, session_id, timestamp,
      received_at, url, path, referrer, title, utm_source, utm_medium, utm_campaign, browser, os, device_type, locale, bot,
      properties, traits, context, retention_days)
    SELECT 'one', 'web', toString(generateUUIDv4(number)), if(kind < 75, 'page', 'track') AS type,
      multiIf(kind < 75, '', kind < 82, 'CTA Clicked', kind < 90, 'Web Vital', kind < 96, 'Page Left', kind < 98, 'Lead Created', 'Order Completed') AS event,
      '', concat('anon-', toString(visitor)), '', concat('s-', toString(session)), ts, ts,
      concat('https://tostado.example', path), path,
      ['', '', 'https://www.google.com/', 'https://news.example/a'][number % 4 + 1], 'Tostado',
      ['', '', 'google', 'newsletter', 'facebook'][number % 5 + 1] AS source, if(source = '', '', 'cpc'), if(source = '', '', 'spring'),
      ['Chrome', 'Firefox', 'Safari', 'Edge'][number % 4 + 1], ['Windows', 'macOS', 'Linux', 'Android', 'iOS'][number % 5 + 1],
      ['desktop', 'mobile', 'tablet'][number % 3 + 1], ['es-ES', 'pt-BR', 'en-US', 'de-DE'][number % 4 + 1], if(number % 50 = 0, 1, 0),
      multiIf(event = 'Order Completed', concat('{"revenue":', toString(number % 200 + 10), ',"currency":"EUR"}'),
        event = 'Web Vital', concat('{"name":"', ['LCP', 'INP', 'CLS', 'FCP', 'TTFB'][number % 5 + 1], '","value":', toString(number % 4000), '}'),
        event = 'Page Left', concat('{"scrollDepth":', toString(number % 101), '}'), '{}'),
      '{}', '{}', 365
    FROM (
      SELECT number, number % 100 AS kind, intDiv(number, 5) AS session, cityHash64(session) % 150000 AS visitor,
        toInt64(cityHash64(session, 1) % ${90 * 86400}) - toInt64(number % 5) * 30 AS age,
        now64(3) - toIntervalSecond(greatest(age, 0)) AS ts,
        ['/', '/pricing', '/about', '/blog/beans', '/blog/roast', '/shop', '/shop/bag-1kg', '/contact'][number % 8 + 1] AS path
      FROM numbers(${EVENTS}))`)
  await run('OPTIMIZE TABLE events FINAL')
  for (let batch = 0; batch < 5; batch += 1) {
    await run(`INSERT INTO events SELECT * REPLACE (toString(generateUUIDv4(cityHash64(message_id, ${batch}))) AS message_id,
        now64(3) - toIntervalSecond(cityHash64(message_id) % 3600) AS timestamp, now64(3) AS received_at, now64(3) AS inserted_at)
      FROM events WHERE tenant_id = 'one' AND timestamp >= now64(3) - toIntervalDay(1) LIMIT 2000`)
  }
  const generateSeconds = (performance.now() - started) / 1000

  const to = new Date().toISOString()
  const from = new Date(Date.now() - 30 * 86_400_000).toISOString()
  const range = `from=${from}&to=${to}`
  const authorization = `Bearer ${SECRET_KEY}`
  const reads: { name: string; request: () => Promise<{ statusCode: number }> }[] = [
    {
      name: 'overview (30 days, with previous 30)',
      request: () => app.inject({ url: `/v1/analytics/overview?${range}`, headers: { authorization } }),
    },
    {
      name: 'breakdown, all 10 (30 days)',
      request: () =>
        app.inject({
          url: `/v1/analytics/breakdown?${range}&by=pages,urls,entry,exit,sources,campaigns,devices,browsers,os,countries`,
          headers: { authorization },
        }),
    },
    ...['pages,urls', 'entry,exit,sources,campaigns', 'devices,browsers,os,countries'].map((by) => ({
      name: `breakdown ${by}`,
      request: () =>
        app.inject({ url: `/v1/analytics/breakdown?${range}&by=${by}`, headers: { authorization } }),
    })),
    {
      name: 'visitors now',
      request: () => app.inject({ url: '/v1/analytics/live', headers: { authorization } }),
    },
    {
      name: 'funnel, 3 steps (30 days)',
      request: () =>
        app.inject({
          method: 'POST',
          url: '/v1/analytics/funnel',
          headers: { authorization },
          payload: { steps: [{ path: '/' }, { path: '/shop*' }, { event: 'Order Completed' }], from, to },
        }),
    },
    {
      name: 'web vitals (30 days)',
      request: () => app.inject({ url: `/v1/analytics/web-vitals?${range}`, headers: { authorization } }),
    },
  ]
  const lines = [
    '| read | p50 (ms) | p95 (ms) | CPU p50 (ms) | target p95 (ms) | met |',
    '| --- | ---: | ---: | ---: | ---: | :-: |',
  ]
  for (const read of reads) {
    for (let i = 0; i < 2; i += 1) {
      const answer = await read.request()
      if (answer.statusCode !== 200) throw new Error(`${read.name}: ${answer.statusCode}`)
    }
    const samples: number[] = []
    const cpu: number[] = []
    for (let i = 0; i < RUNS; i += 1) {
      const t = performance.now()
      const c = process.cpuUsage()
      await read.request()
      samples.push(performance.now() - t)
      const used = process.cpuUsage(c)
      cpu.push((used.user + used.system) / 1000)
    }
    samples.sort((a, b) => a - b)
    cpu.sort((a, b) => a - b)
    const p50 = samples[Math.floor(samples.length / 2)]!
    const p95 = samples[Math.min(samples.length - 1, Math.ceil(0.95 * samples.length) - 1)]!
    const cpu50 = cpu[Math.floor(cpu.length / 2)]!
    lines.push(
      `| ${read.name} | ${p50.toFixed(1)} | ${p95.toFixed(1)} | ${cpu50.toFixed(1)} | ${TARGET_MS} | ${p95 <= TARGET_MS ? 'yes' : 'no'} |`,
    )
  }
  await app.close()
  rmSync(dataDir, { recursive: true, force: true })
  const cores = cpus()
  const load = loadavg()
    .map((n) => n.toFixed(1))
    .join(' / ')
  const header = `\`npm run bench -w @rastro/collector\` (packages/collector/bench/analytics.bench.ts), ${to.slice(0, 10)}, on ${osType()} ${release()},
${cores.length} × ${cores[0]?.model.trim() ?? 'CPU'}, ${Math.round(totalmem() / 2 ** 30)} GiB RAM, Node ${process.version}, embedded ClickHouse (chDB).
Data: ${EVENTS.toLocaleString('en')} events (sessions of 5, 150,000 visitors, 90 days) generated in ${generateSeconds.toFixed(1)} s,
merged, plus five unmerged inserts of 2,000. ${RUNS} requests per read after 2 warm-ups; load average ${load}
(the machine is shared: indicative). "CPU p50" is the process's CPU time (Node and the embedded engine) per
request, which contention does not inflate.`
  const section = `${header}\n\n${lines.join('\n')}`
  console.log(`\n${section}`)
  if (process.env.BENCH_WRITE === '1') await writeSection(section)
}

/** Rewrites the `## Dashboard analytics API` section of the repository's BENCHMARKS.md. */
async function writeSection(section: string): Promise<void> {
  const path = join(packageDir, '..', '..', 'BENCHMARKS.md')
  let text = readFileSync(path, 'utf8')
  const start = '<!-- dashboard-analytics:start -->'
  const end = '<!-- dashboard-analytics:end -->'
  const block = `${start}\n${section}\n${end}`
  if (text.includes(start)) text = text.replace(new RegExp(`${start}[\\s\\S]*${end}`), block)
  else text += `\n## Dashboard analytics API\n\n${block}\n`
  writeFileSync(path, await format(text, { ...(await resolveConfig(path)), filepath: path }))
}

main().catch((error: unknown) => {
  console.error(error)
  process.exit(1)
})
