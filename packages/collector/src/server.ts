/**
 * Composition only: opens the store and runs migrations, opens the write-ahead log, starts the
 * ClickHouse writer and the forwarding destinations on it, and mounts the stages' routes
 * (ingest → log → store → forward → query) on one Fastify instance; the device path and the CRM
 * have their own composition (`register-device-ingest.ts`, `register-crm.ts`). Closing the
 * instance stops accepting requests, lets in-flight ones finish (cutting their connections after
 * `shutdownGraceMs`), stops the CRM feed and forwarding (a request in flight finishes), inserts what
 * the log holds (what cannot be inserted stays in the log for the next start), and closes the log
 * and ClickHouse.
 */
import { existsSync, readFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import { dirname, join, resolve } from 'node:path'
import type { ClickHouseSettings } from '@clickhouse/client'
import cors from '@fastify/cors'
import fastifyStatic from '@fastify/static'
import Fastify, { LogController, type FastifyInstance } from 'fastify'
import { KeyRing } from './config/key-ring.js'
import { createError } from './errors.js'
import type { ResolvedConfig } from './config/load-config.js'
import { loadCountryDb } from './ingest/country-db.js'
import { DedupIndex } from './ingest/dedup-index.js'
import { DedupSink } from './ingest/dedup-sink.js'
import type { EventSink } from './ingest/event-row.js'
import { ingestRoutes } from './ingest/ingest-routes.js'
import { VisitorIds } from './ingest/visitor-ids.js'
import { SharedVisitorSalt } from './ingest/shared-visitor-salt.js'
import { VisitorSalt } from './ingest/visitor-salt.js'
import { LogEventSink } from './log/log-event-sink.js'
import { SegmentLog } from './log/segment-log.js'
import { createForwarding } from './forward/create-forwarding.js'
import { adminSqlRoutes } from './query/admin-sql-routes.js'
import { analyticsRoutes } from './query/analytics-routes.js'
import { acceptsSession, dashboardRoutes } from './query/dashboard-routes.js'
import { DashboardSessions } from './query/dashboard-sessions.js'
import { destinationsRoutes } from './query/destinations-routes.js'
import { healthRoutes, type IngestStatus } from './query/health-routes.js'
import { heatmapsRoutes } from './query/heatmaps-routes.js'
import { metricsRoutes } from './query/metrics-routes.js'
import { statsRoutes } from './query/stats-routes.js'
import { registerCrm } from './register-crm.js'
import { registerDeviceIngest } from './register-device-ingest.js'
import { createStore, type Store } from './store/create-store-client.js'
import { loadDedupIndex } from './store/load-dedup-index.js'
import { CLICKHOUSE_CONSUMER, LogWriter } from './store/log-writer.js'
import { StoredWatermark } from './store/stored-watermark.js'
import { runMigrations } from './store/run-migrations.js'
import { createMetrics, type Metrics } from './util/create-metrics.js'
import { handleError, handleNotFound } from './util/error-handler.js'
import { ShutdownWatch } from './util/shutdown-watch.js'
import { ThreadPriorities } from './util/thread-priorities.js'

declare module 'fastify' {
  interface FastifyInstance {
    /** The ClickHouse store the collector writes to and reads from. */
    store: Store
    /** The write-ahead log ingest appends to. */
    ingestLog: SegmentLog
    metrics: Metrics
    /**
     * Resolves once every event acknowledged before the call is inserted into ClickHouse
     * (for tests and tools; rejects after `timeoutMs`).
     */
    whenStored(timeoutMs?: number): Promise<void>
    /**
     * Resolves once every event acknowledged before the call is inserted into ClickHouse and
     * handed to every destination (sent, or parked for a retry); rejects after `timeoutMs`.
     */
    whenProcessed(timeoutMs?: number): Promise<void>
  }
}

const require = createRequire(import.meta.url)
/** The collector's version, from its package.json. */
export const version: string = require('../package.json').version

export interface CreateServerOptions {
  config: ResolvedConfig
  /** Fastify/pino logger options; default: the config's `logLevel`. */
  logger?: boolean | Record<string, unknown>
  /**
   * An open ClickHouse store to use instead of opening the config's (tests: several collectors on
   * one ClickHouse, as behind a load balancer); migrated and closed with the server all the same.
   */
  store?: Store
  /**
   * Whether the collector is its process's only work (`rastro serve` says so): only then are its
   * background threads kept at `backgroundNice`. A priority belongs to a thread, and lowering
   * them takes every thread of the process but the one that acknowledges ingest, so a host that
   * embeds the collector (a test runner, an app) keeps its own threads' priorities. Default false.
   */
  ownsProcess?: boolean
}

/** The built dashboard's folder (`@rastro/dashboard`'s `dist/`), or undefined when it is not there. */
function findDashboardDir(): string | undefined {
  try {
    const dir = join(dirname(require.resolve('@rastro/dashboard/package.json')), 'dist')
    return existsSync(join(dir, 'index.html')) ? dir : undefined
  } catch {
    return undefined
  }
}

/**
 * The browser SDK's script-tag build and the chunks it loads from its own folder (Core Web
 * Vitals, heatmaps).
 */
const browserScripts = ['rastro.js', 'rastro-vitals.js', 'rastro-heatmaps.js']

/** Reads a file of the browser SDK's script-tag build, or undefined when it has not been built. */
function readBrowserScript(file: string): Buffer | undefined {
  try {
    return readFileSync(require.resolve(`@rastro/browser/${file}`))
  } catch {
    return undefined
  }
}

/**
 * A ClickHouse server's first answer at start, in words a newcomer can act on: the server cannot
 * be reached, or the database `CLICKHOUSE_DATABASE` names does not exist (the collector does not
 * create databases: on a cluster that is the operator's `CREATE DATABASE … ON CLUSTER`).
 */
function toServerOpenError(error: unknown, store: Store): unknown {
  const { code, message } = error as { code?: unknown; message?: unknown }
  const database = store.server?.database ?? 'default'
  if (code === '81') {
    return createError('RASTRO_ERR_STORE_OPEN_FAILED', {
      message: `the ClickHouse server at ${store.location} has no database ${database} (CLICKHOUSE_DATABASE): create it first (CREATE DATABASE ${database})`,
      cause: error,
    })
  }
  if (typeof code === 'string' && /^E[A-Z]+$/.test(code)) {
    return createError('RASTRO_ERR_STORE_OPEN_FAILED', {
      message: `cannot reach the ClickHouse server at ${store.location} (CLICKHOUSE_URL): ${String(message)}`,
      cause: error,
    })
  }
  return error
}

/**
 * Builds the collector (not yet listening). The ClickHouse client is at `server.store`.
 *
 * @throws RastroError `RASTRO_ERR_STORE_OPEN_FAILED` when the embedded engine cannot be opened, or
 *   the ClickHouse server cannot be reached or lacks the database; the ClickHouse error when a
 *   migration fails; the file system's when the log cannot be opened.
 */
export async function createServer(options: CreateServerOptions): Promise<FastifyInstance> {
  const { config } = options
  const { settings } = config
  const cluster = config.clickhouse.cluster
  // On a cluster, inserts go through Distributed tables, which by default queue rows and answer
  // before they reach their shards. Every writer here reads back what it wrote (the writer's cursor,
  // the device ledger's "acked through", forwarding's ledger, the CRM's single writer), so every
  // insert waits until its rows are on their shards.
  const insertSettings: ClickHouseSettings | undefined = cluster ? { insert_distributed_sync: 1 } : undefined
  // Read before the store is opened, so a bad `countryDbPath` stops the start with nothing to close.
  const countryLoadStarted = performance.now()
  const countries = config.tenants.some((tenant) => tenant.enrichment.country)
    ? loadCountryDb(settings.countryDbPath)
    : undefined
  const countryLoadMs = Math.round(performance.now() - countryLoadStarted)
  const store =
    options.store ??
    createStore({
      ...config.clickhouse,
      dataDir: settings.dataDir,
      embeddedMaxThreads: settings.embeddedMaxThreads,
    })
  try {
    await runMigrations(store.client, undefined, { cluster })
  } catch (error) {
    await store.client.close()
    throw store.embedded ? error : toServerOpenError(error, store)
  }
  const { trustProxy } = settings
  const app = Fastify({
    logger: options.logger ?? { level: settings.logLevel },
    // A line per request costs more than the ingest itself at tens of thousands of requests per
    // second; failures are still logged (util/error-handler.ts) and counted (/metrics).
    logController: new LogController({ disableRequestLogging: true }),
    // A number trusts that many hops in front of us (proxy-addr's semantics).
    trustProxy:
      typeof trustProxy === 'number' ? (_address: string, hop: number) => hop < trustProxy : trustProxy,
  })
  // Fastify runs the preClose hooks in the order they were added and the onClose hooks in the
  // reverse order: these two come first and last, so the watch covers the whole stop.
  const shutdown = new ShutdownWatch(app.log)
  app.addHook('preClose', async () => shutdown.begin('device ingest (preClose)'))
  app.addHook('onClose', async () => shutdown.end())
  if (countries) {
    app.log.info(
      {
        path: countries.path,
        builtAt: new Date(countries.builtAtMs).toISOString(),
        bytes: countries.sizeBytes,
        ms: countryLoadMs,
      },
      'country database loaded',
    )
  }
  const metrics = createMetrics()
  const keyRing = new KeyRing(config.tenants, config.adminKeySha256)
  // Every thread but this one (and the log's fdatasync thread) yields the cores to the acks.
  const threadPriorities = new ThreadPriorities(options.ownsProcess ? settings.backgroundNice : 0)
  const log = SegmentLog.open({
    dir: join(settings.dataDir, 'log'),
    durability: settings.durability,
    segmentBytes: settings.segmentBytes,
    segmentMaxAgeMs: settings.segmentMaxAgeMs,
    maxLogBytes: settings.maxLogBytes,
    fsyncIntervalMs: settings.fsyncIntervalMs,
    minFreeDiskBytes: settings.minFreeDiskBytes,
    logger: app.log,
    onSyncThread: (threadId) => threadPriorities.keep(threadId),
  })
  const writer = new LogWriter({
    client: store.client,
    log,
    logger: app.log,
    flushIntervalMs: settings.flushIntervalMs,
    maxBatchRows: settings.maxBatchRows,
    // The cursor never passes rows a Distributed table still holds in its local queue.
    insertSettings,
    events: {
      onInsert(rows, seconds) {
        metrics.insertedRows.inc(rows)
        metrics.insertSeconds.observe(seconds)
      },
      onError: (type) => metrics.clickhouseErrors.inc({ type }),
      onRejectedRecord: () => metrics.rejectedRecords.inc(),
    },
  })
  let sink: EventSink = new LogEventSink(log)
  const dedupAtIngest = settings.dedupWindowHours > 0 && settings.dedupMaxIds > 0
  if (dedupAtIngest) {
    const index = new DedupIndex({ windowHours: settings.dedupWindowHours, maxIds: settings.dedupMaxIds })
    const loaded = await loadDedupIndex({
      client: store.client,
      log,
      from: writer.position,
      index,
      windowHours: settings.dedupWindowHours,
      maxIds: settings.dedupMaxIds,
    })
    app.log.info({ ...loaded, bytes: index.bytes }, 'dedup index loaded')
    metrics.probes.dedupIds = () => index.size
    sink = new DedupSink(sink, index, (count) => metrics.eventsDuplicate.inc(count))
  }
  writer.start()
  const forwarding = createForwarding({
    tenants: config.tenants,
    log,
    client: store.client,
    logger: app.log,
    metrics,
    // A destination falls back to its retry table before it could make the log refuse events.
    maxLagBytes: Math.floor(settings.maxLogBytes / 4),
    insertSettings,
    cluster,
    userAgent: `rastro-collector/${version}`,
  })
  forwarding.start()
  // Every record before this is in ClickHouse and in every destination's hands (sent, or parked in
  // `forward_retries`): what a GDPR erase waits for, so nothing of the person is stored or
  // forwarded after it.
  const forwardCursors = forwarding.runners.map((runner) => log.openCursor(runner.name))
  const processedPosition = () =>
    forwardCursors.reduce((position, cursor) => Math.min(position, cursor.position), writer.position)
  // On a ClickHouse server, how far this collector's log is processed, for the fleet's GDPR erases.
  const watermark = store.embedded
    ? undefined
    : new StoredWatermark({ client: store.client, log, processedPosition, insertSettings, logger: app.log })
  watermark?.start()

  function getIngestStatus(): IngestStatus {
    const refusal = log.getRefusal()
    return {
      accepting: refusal === undefined,
      refusal: refusal ? String(refusal.code) : undefined,
      logBytes: log.diskBytes,
      consumers: log.consumers.map((name) => {
        const lag = log.getLag(name)
        return { name, lagBytes: lag.bytes, lagSeconds: Math.round(lag.seconds * 1000) / 1000 }
      }),
      writer: writer.status,
    }
  }
  metrics.probes.logBytes = () => log.diskBytes
  metrics.probes.consumerLag = () => log.consumers.map((consumer) => ({ consumer, ...log.getLag(consumer) }))

  app.decorate('store', store)
  app.decorate('ingestLog', log)
  app.decorate('metrics', metrics)
  const writerCursor = log.openCursor(CLICKHOUSE_CONSUMER)
  /** Resolves once `position()` passes what the log holds now; rejects after `timeoutMs`. */
  async function waitForLog(position: () => number, timeoutMs: number, what: string): Promise<void> {
    const target = log.readableEnd
    const deadline = Date.now() + timeoutMs
    while (position() < target) {
      if (Date.now() > deadline) throw new Error(`events not ${what} within ${timeoutMs} ms`)
      await new Promise((done) => setTimeout(done, 5))
    }
  }
  app.decorate('whenStored', (timeoutMs = 10_000) =>
    waitForLog(() => writerCursor.position, timeoutMs, 'stored'),
  )
  app.decorate('whenProcessed', (timeoutMs = 10_000) =>
    waitForLog(processedPosition, timeoutMs, 'stored and forwarded'),
  )
  app.setErrorHandler(handleError)
  app.setNotFoundHandler(handleNotFound)
  // Every origin gets CORS headers, so a browser can read a refusal (403 for an origin the site does
  // not allow, 401 for a bad key) and stop retrying; each site's allowedOrigins is enforced by ingest.
  // The CRM's dashboards call it from browsers too: its writes (PATCH, PUT, DELETE), concurrency
  // and idempotency headers, and the headers it answers with must pass (no cookies: keys only).
  await app.register(cors, {
    origin: true,
    methods: ['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE'],
    allowedHeaders: ['Authorization', 'Content-Type', 'Content-Encoding', 'If-Match', 'Idempotency-Key'],
    exposedHeaders: [
      'Retry-After',
      'ETag',
      'Location',
      'Content-Disposition',
      'Idempotent-Replayed',
      'RateLimit-Limit',
      'RateLimit-Remaining',
      'RateLimit-Reset',
    ],
    maxAge: 86_400,
  })
  // The dashboard's session cookie stands in for a secret key on the read and CRM APIs; sessions
  // live in ClickHouse, so every collector on it accepts them and they survive a restart.
  const sessions = new DashboardSessions({
    client: store.client,
    keyRing,
    insertSettings,
    ttlMs: settings.dashboardSessionTtlMs,
    cacheMs: settings.dashboardSessionCacheMs,
  })
  app.decorateRequest('dashboardSession', null)
  // A Bearer key wins over the cookie (require-key.ts, the CRM's authenticate): no lookup then.
  // A callback hook, not an async one: ingest requests pass it without a promise each.
  app.addHook('onRequest', (request, _reply, done) => {
    const { cookie, authorization } = request.headers
    if (cookie === undefined || authorization !== undefined || !acceptsSession(request.url)) return done()
    sessions.findForRequest(request).then((session) => {
      request.dashboardSession = session ?? null
      done()
    }, done)
  })
  // Cookieless visitor ids: the salt of the day in the data dir (one collector), or in ClickHouse
  // when it is a server, so that every collector of a fleet gives a visitor one id.
  const sharedSalt = store.embedded
    ? undefined
    : new SharedVisitorSalt({ client: store.client, insertSettings, cluster, logger: app.log })
  await sharedSalt?.start()
  const visitorIds = new VisitorIds({ salt: sharedSalt ?? new VisitorSalt(settings.dataDir) })
  const sites = config.tenants.flatMap((tenant) => tenant.sites)
  const eventsPaths = sites.flatMap((site) => site.paths?.events ?? [])
  const scriptPaths = new Set(sites.flatMap((site) => site.paths?.script ?? []))
  await app.register(ingestRoutes, { keyRing, sink, metrics, visitorIds, countries, eventsPaths })
  await registerDeviceIngest(app, { config, client: store.client, eventSink: sink, insertSettings })
  await app.register(healthRoutes, {
    client: store.client,
    storeKind: store.embedded ? 'embedded' : 'server',
    version,
    getIngestStatus,
  })
  await app.register(metricsRoutes, { registry: metrics.registry })
  await app.register(statsRoutes, { client: store.client, keyRing })
  await app.register(heatmapsRoutes, { client: store.client, keyRing })
  await app.register(analyticsRoutes, { client: store.client, keyRing, tenants: config.tenants })
  await app.register(dashboardRoutes, { tenants: config.tenants, keyRing, sessions })
  await app.register(adminSqlRoutes, { client: store.client, keyRing })
  await app.register(destinationsRoutes, { tenants: config.tenants, keyRing, forwarding })
  // The CRM (contacts, lead scores, deals), fed from the log with its own cursor, `crm`.
  const crmSteps = await registerCrm(app, {
    config,
    store,
    log,
    keyRing,
    forwarding,
    insertSettings,
    cluster,
    dedupAtIngest,
  })

  // The browser SDK at /rastro.js and at the sites' neutral script paths, its chunks beside each.
  const scriptFolders = ['/', ...[...scriptPaths].map((path) => path.slice(0, path.lastIndexOf('/') + 1))]
  for (const file of browserScripts) {
    const script = readBrowserScript(file)
    if (!script) {
      app.log.warn(`browser SDK not built: /${file} is not served (run \`npm run build\`)`)
      continue
    }
    const paths =
      file === 'rastro.js' ? ['/rastro.js', ...scriptPaths] : scriptFolders.map((dir) => dir + file)
    for (const path of new Set(paths)) {
      app.get(path, (_request, reply) => {
        reply
          .type('application/javascript; charset=utf-8')
          .header('cache-control', 'public, max-age=300')
          .send(script)
      })
    }
  }
  const dashboardDir = findDashboardDir()
  if (dashboardDir) {
    // Hashed asset names (Vite): cached for a year; index.html is revalidated so a new build shows.
    await app.register(fastifyStatic, {
      root: dashboardDir,
      prefix: '/app/',
      redirect: true,
      decorateReply: false,
      setHeaders: (reply, path) =>
        reply.header(
          'cache-control',
          path.includes(`${join('dist', 'assets')}`) ? 'public, max-age=31536000, immutable' : 'no-cache',
        ),
    })
    app.get('/app', (_request, reply) => reply.redirect('/app/'))
  } else {
    app.log.warn('dashboard not built: /app/ is not served (run `npm run build`)')
  }
  if (settings.examplesDir) {
    await app.register(fastifyStatic, {
      root: resolve(settings.examplesDir),
      prefix: '/examples/',
      redirect: true,
    })
    // With its query: a link's `?utm_source=…` (attribution) and the page's `?debug` switch.
    app.get('/', (request, reply) => {
      const query = request.url.indexOf('?')
      return reply.redirect(`/examples/landing-page/${query === -1 ? '' : request.url.slice(query)}`)
    })
  }

  threadPriorities.start()

  // Fastify closes the idle connections and waits for the others: a client that stops sending or
  // reading would hold the stop forever. Past `shutdownGraceMs` the connections left are cut; a
  // client whose ingest request is cut never got its ack, and sends the events again.
  let cutConnections: NodeJS.Timeout | undefined
  app.addHook('preClose', async () => {
    shutdown.enter('HTTP requests in flight')
    cutConnections = setTimeout(() => {
      app.log.warn({ graceMs: settings.shutdownGraceMs }, 'shutdown: cutting the connections still open')
      app.server.closeAllConnections()
    }, settings.shutdownGraceMs)
    cutConnections.unref()
  })
  app.addHook('onClose', async () => {
    clearTimeout(cutConnections)
    threadPriorities.stop()
    await shutdown.closeInOrder([
      { name: 'visitor salt', close: () => sharedSalt?.stop() },
      ...crmSteps,
      { name: 'forwarding', close: () => forwarding.close() },
      { name: 'ClickHouse writer', close: () => writer.close() },
      { name: 'stored watermark', close: () => watermark?.stop() },
      { name: 'log', close: () => sink.close() },
      { name: 'ClickHouse client', close: () => store.client.close() },
    ])
    shutdown.enter("plugins' onClose hooks (the CRM API's writer and webhooks)")
  })
  return app
}
