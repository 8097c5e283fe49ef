/**
 * The fleet's CRM host by itself (`npm run bench:crm-host -w @rastro/collector`): how many events
 * a second a collector with `crmFeed: "host"` (embedded ClickHouse, nothing else to do) writes to
 * its CRM when the fleet's other collectors send it their logs' batches, as `CrmHostClient` sends
 * them: batches of event rows as large as a sender's log consumer reads, one at a time per sender.
 *
 * Each visitor is one page view's browser events (`browser-events.ts`); a share of them also send
 * an identify with an email of their own and become contacts, the CRM's costly case (an anonymous
 * visitor's events mostly cost it a decode and a skip).
 *
 * Environment: BENCH_VISITORS (per sender, default 20,000), BENCH_SENDERS (a list, default `1,2`),
 * BENCH_IDENTIFIED (the share of visitors who identify, a list, default `1,0.05`).
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { cpus, tmpdir } from 'node:os'
import { join } from 'node:path'
import { loadConfig } from '../src/config/load-config.js'
import { CRM_HOST_BATCH_BYTES, CrmHostClient } from '../src/crm-feed/crm-host-client.js'
import type { EventRow } from '../src/ingest/event-row.js'
import { encodeEventRows } from '../src/ingest/encode-event-rows.js'
import { loadCountryDb } from '../src/ingest/country-db.js'
import { runPipeline } from '../src/ingest/pipeline.js'
import { createRow, createSteps } from '../src/ingest/steps/index.js'
import { VisitorIds } from '../src/ingest/visitor-ids.js'
import { VisitorSalt } from '../src/ingest/visitor-salt.js'
import { createServer } from '../src/server.js'
import { BENCH_SITE, BENCH_USER_AGENT, browserBody, EVENTS_PER_PAGE } from './browser-events.js'

const VISITORS = Number(process.env.BENCH_VISITORS ?? 20_000)
const SENDERS = (process.env.BENCH_SENDERS ?? '1,2').split(',').map(Number)
const IDENTIFIED = (process.env.BENCH_IDENTIFIED ?? '1,0.05').split(',').map(Number)
/** Bytes of rows per batch: what a sender's log consumer reads at a time (BENCH_BATCH_MIB to try others). */
const BATCH_BYTES = process.env.BENCH_BATCH_MIB
  ? Number(process.env.BENCH_BATCH_MIB) * 1024 * 1024
  : CRM_HOST_BATCH_BYTES
const ADMIN_KEY = 'ak_bench_crm_host_key'

/**
 * The log payloads of `VISITORS` visitors, named after `sender`, the share `identified` of them
 * with their identify, cut into batches of ~{@link BATCH_BYTES}.
 */
function senderBatches(
  sender: number,
  identified: number,
  dataDir: string,
): { batches: Buffer[][]; events: number } {
  const steps = createSteps({
    visitorIds: new VisitorIds({ salt: new VisitorSalt(dataDir) }),
    countries: loadCountryDb(),
  })
  const now = Date.now()
  const body = JSON.parse(browserBody(now, EVENTS_PER_PAGE)) as { batch: object[] }
  const request = {
    site: BENCH_SITE,
    receivedAt: now,
    sentAt: now,
    ip: '203.0.113.77',
    userAgent: BENCH_USER_AGENT,
  }
  const template = runPipeline(body.batch, request, steps, createRow).rows
  const batches: Buffer[][] = [[]]
  let bytes = 0
  let events = 0
  for (let visitor = 0; visitor < VISITORS; visitor++) {
    const id = `s${sender}-v${visitor}`
    // Spread evenly: visitor k identifies when the running share passes a whole number.
    const identifies = Math.floor((visitor + 1) * identified) > Math.floor(visitor * identified)
    const visits = identifies ? template : template.filter((row) => row.type !== 'identify')
    events += visits.length
    const rows: EventRow[] = visits.map((row, i) => ({
      ...row,
      message_id: `${id}-${i}`,
      anonymous_id: id,
      ...(row.type === 'identify'
        ? { user_id: `user-${id}`, traits: JSON.stringify({ email: `${id}@example.com`, name: 'Ana Bench' }) }
        : {}),
    }))
    for (const payload of encodeEventRows(rows)) {
      if (bytes + payload.length > BATCH_BYTES && batches.at(-1)!.length > 0) {
        batches.push([])
        bytes = 0
      }
      batches.at(-1)!.push(payload)
      bytes += payload.length
    }
  }
  return { batches, events }
}

const percentile = (sorted: number[], p: number) =>
  sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * p))]!

async function main(): Promise<void> {
  const dataDir = mkdtempSync(join(tmpdir(), 'rastro-crm-host-bench-'))
  const configPath = join(dataDir, 'rastro.config.json')
  writeFileSync(
    configPath,
    JSON.stringify({
      adminKey: ADMIN_KEY,
      tenants: [
        { id: BENCH_SITE.tenantId, sites: [{ id: 'web', writeKey: 'wk_bench_web' }], secretKeys: [] },
      ],
    }),
  )
  const app = await createServer({
    config: loadConfig({
      configPath,
      env: {},
      flags: { dataDir, port: 0, host: '127.0.0.1', logLevel: 'warn', crmFeed: 'host' },
    }),
  })
  const url = await app.listen({ port: 0, host: '127.0.0.1' })
  console.log(
    `${cpus().length} × ${cpus()[0]?.model}, Node ${process.version}; ${VISITORS} visitors per sender, ${EVENTS_PER_PAGE} events each (one an identify, left out for those who do not identify), batches of ${BATCH_BYTES / 1024 / 1024} MiB`,
  )
  try {
    let run = 0
    for (const [identified, senders] of IDENTIFIED.flatMap((share) =>
      SENDERS.map((count) => [share, count]),
    )) {
      const work = Array.from({ length: senders! }, (_, i) =>
        senderBatches(run * 100 + i, identified!, dataDir),
      )
      run++
      const events = work.reduce((sum, { events }) => sum + events, 0)
      const batchMs: number[] = []
      const cpuStart = process.cpuUsage()
      const started = performance.now()
      await Promise.all(
        work.map(async ({ batches }) => {
          const client = new CrmHostClient({ url, key: ADMIN_KEY })
          for (const batch of batches) {
            const sent = performance.now()
            await client.send(batch)
            batchMs.push(performance.now() - sent)
          }
          await client.close()
        }),
      )
      const seconds = (performance.now() - started) / 1000
      const cpu = process.cpuUsage(cpuStart)
      batchMs.sort((a, b) => a - b)
      console.log(
        `${senders} sender(s), ${identified! * 100}% of visitors identified: ${Math.round(events / seconds).toLocaleString('en')} events/s into the CRM ` +
          `(${events.toLocaleString('en')} events in ${seconds.toFixed(1)} s, ${batchMs.length} batches, ` +
          `${Math.round(percentile(batchMs, 0.5))} / ${Math.round(percentile(batchMs, 0.99))} ms p50 / p99 each); ` +
          `${(((cpu.user + cpu.system) / events) * 1).toFixed(1)} µs of CPU per event, every thread of the process`,
      )
    }
  } finally {
    await app.close()
    rmSync(dataDir, { recursive: true, force: true })
  }
}

await main()
