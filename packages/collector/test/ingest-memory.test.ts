/**
 * What an ingest request keeps while its events are made durable. With `fsync` durability a
 * request waits for an fdatasync (milliseconds, tens under load); whatever it still references
 * then outlives the young generation's scavenges and is copied into the old space, where only a
 * mark-compact frees it. Once its rows are encoded into the log's record, the parsed body and the
 * rows must be garbage: only what the answer needs may wait.
 */
import { mkdtempSync, rmSync, writeSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { setFlagsFromString } from 'node:v8'
import { runInNewContext } from 'node:vm'
import Fastify from 'fastify'
import { afterEach, expect, it } from 'vitest'
import { configSchema } from '../src/config/config-schema.js'
import { KeyRing } from '../src/config/key-ring.js'
import { DedupIndex } from '../src/ingest/dedup-index.js'
import { DedupSink } from '../src/ingest/dedup-sink.js'
import type { EventRow, EventSink } from '../src/ingest/event-row.js'
import { ingestRoutes } from '../src/ingest/ingest-routes.js'
import { VisitorIds } from '../src/ingest/visitor-ids.js'
import { VisitorSalt } from '../src/ingest/visitor-salt.js'
import { LogEventSink } from '../src/log/log-event-sink.js'
import { SegmentLog } from '../src/log/segment-log.js'
import { handleError } from '../src/util/error-handler.js'
import { keys, testConfig } from './helpers/start-collector.js'
import { quietLogger } from './helpers/test-site.js'

setFlagsFromString('--expose-gc')
const gc = runInNewContext('gc') as () => void

/** Collects until every reference is cleared, or gives up after a few full collections. */
async function collect(references: WeakRef<object>[]): Promise<number> {
  for (let round = 0; round < 5; round++) {
    gc()
    await new Promise((resolve) => setImmediate(resolve))
  }
  return references.filter((reference) => reference.deref() !== undefined).length
}

/** A sink between the dedup sink and the log's that remembers weakly what it was handed. */
class WatchingSink implements EventSink {
  readonly references: WeakRef<object>[] = []
  constructor(readonly inner: EventSink) {}
  write(rows: EventRow[]): Promise<void> {
    this.references.push(new WeakRef(rows), ...rows.map((row) => new WeakRef(row)))
    return this.inner.write(rows)
  }
  close(): Promise<void> {
    return this.inner.close()
  }
}

let cleanup: (() => Promise<void>) | undefined
afterEach(async () => {
  await cleanup?.()
  cleanup = undefined
})

const auth = `Basic ${Buffer.from(`${keys.writeKey}:`).toString('base64')}`
const event = (i: number) => ({
  type: 'track',
  event: 'Product Viewed',
  anonymousId: `anon-${i}`,
  messageId: `memory-${Date.now()}-${i}`,
  properties: { product_id: `sku-${i}`, price: 19.9 },
  context: { page: { url: 'https://shop.example/p/sku', path: '/p/sku' } },
})

it.each([
  { url: '/v1/batch', payload: { batch: Array.from({ length: 50 }, (_, i) => event(i)) }, accepted: 50 },
  { url: '/v1/track', payload: event(0), accepted: 1 },
])(
  '$url: the body and the rows are garbage while the fdatasync is awaited',
  async ({ url, payload, accepted }) => {
    const dir = mkdtempSync(join(tmpdir(), 'rastro-memory-'))
    let synced: (() => void) | undefined
    let syncCalled!: () => void
    const syncing = new Promise<void>((resolve) => (syncCalled = resolve))
    const log = SegmentLog.open({
      dir,
      durability: 'fsync',
      segmentBytes: 1 << 20,
      maxLogBytes: 1 << 30,
      fsyncIntervalMs: 50,
      minFreeDiskBytes: 0,
      logger: quietLogger,
      io: {
        writeSync,
        fdatasync: () => {
          syncCalled()
          return new Promise<void>((resolve) => (synced = resolve))
        },
      },
    })
    const watching = new WatchingSink(new LogEventSink(log))
    const app = Fastify({ logger: false })
    cleanup = async () => {
      synced?.()
      await app.close()
      await log.close()
      rmSync(dir, { recursive: true, force: true })
    }
    app.setErrorHandler(handleError)
    const bodies: WeakRef<object>[] = []
    app.addHook('preHandler', (request, _reply, done) => {
      bodies.push(new WeakRef(request.body as object))
      done()
    })
    await app.register(ingestRoutes, {
      keyRing: new KeyRing(configSchema.parse(testConfig).tenants, undefined),
      sink: new DedupSink(watching, new DedupIndex({ windowHours: 24, maxIds: 1000 })),
      visitorIds: new VisitorIds({ salt: new VisitorSalt(dir) }),
    })

    const answer = app.inject({
      method: 'POST',
      url,
      headers: { 'content-type': 'application/json', authorization: auth },
      payload,
    })
    await syncing
    expect(bodies).toHaveLength(1)
    expect(watching.references).toHaveLength(accepted + 1)
    expect(await collect([...bodies, ...watching.references])).toBe(0)

    synced!()
    const response = await answer
    expect(response.statusCode).toBe(200)
    expect(response.json()).toMatchObject({ ok: true, accepted, rejected: [] })
  },
)
