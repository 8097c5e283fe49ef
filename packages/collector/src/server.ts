/**
 * Composition only: opens the store, runs migrations, and mounts the stages' routes
 * (ingest → store → query) on one Fastify instance. Closing the instance stops accepting
 * requests, lets in-flight ones finish, inserts what is waiting, and closes ClickHouse.
 */
import { readFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import { resolve } from 'node:path'
import cors from '@fastify/cors'
import fastifyStatic from '@fastify/static'
import { crm } from '@rastro/crm-api'
import Fastify, { type FastifyInstance } from 'fastify'
import { KeyRing } from './config/key-ring.js'
import type { ResolvedConfig } from './config/load-config.js'
import { ingestRoutes } from './ingest/ingest-routes.js'
import { adminSqlRoutes } from './query/admin-sql-routes.js'
import { healthRoutes } from './query/health-routes.js'
import { statsRoutes } from './query/stats-routes.js'
import { createNotifyingSink } from './store/create-notifying-sink.js'
import { createStore, type Store } from './store/create-store-client.js'
import { EventWriter } from './store/event-writer.js'
import { runMigrations } from './store/run-migrations.js'
import { handleError, handleNotFound } from './util/error-handler.js'

declare module 'fastify' {
  interface FastifyInstance {
    /** The ClickHouse store the collector writes to and reads from. */
    store: Store
  }
}

const require = createRequire(import.meta.url)
/** The collector's version, from its package.json. */
export const version: string = require('../package.json').version

export interface CreateServerOptions {
  config: ResolvedConfig
  /** Fastify/pino logger options; default: the config's `logLevel`. */
  logger?: boolean | Record<string, unknown>
}

/** Reads the browser SDK's script-tag build, or undefined when it has not been built. */
function readBrowserScript(): Buffer | undefined {
  try {
    return readFileSync(require.resolve('@rastro/browser/rastro.js'))
  } catch {
    return undefined
  }
}

/**
 * Builds the collector (not yet listening). The ClickHouse client is at `server.store`.
 *
 * @throws the ClickHouse error when the store cannot be opened or migrated.
 */
export async function createServer(options: CreateServerOptions): Promise<FastifyInstance> {
  const { config } = options
  const { settings } = config
  const store = createStore({ ...config.clickhouse, dataDir: settings.dataDir })
  try {
    await runMigrations(store.client)
  } catch (error) {
    await store.client.close()
    throw error
  }
  const { trustProxy } = settings
  const app = Fastify({
    logger: options.logger ?? { level: settings.logLevel },
    // A number trusts that many hops in front of us (proxy-addr's semantics).
    trustProxy:
      typeof trustProxy === 'number' ? (_address: string, hop: number) => hop < trustProxy : trustProxy,
  })
  const keyRing = new KeyRing(config.tenants, config.adminKeySha256)
  const writer = new EventWriter({
    client: store.client,
    log: app.log,
    flushIntervalMs: settings.flushIntervalMs,
    maxBatchRows: settings.maxBatchRows,
  })

  app.decorate('store', store)
  app.setErrorHandler(handleError)
  app.setNotFoundHandler(handleNotFound)
  // Every origin gets CORS headers, so a browser can read a refusal (403 for an origin the site does
  // not allow, 401 for a bad key) and stop retrying; each site's allowedOrigins is enforced by ingest.
  await app.register(cors, {
    origin: true,
    methods: ['GET', 'POST'],
    allowedHeaders: ['Authorization', 'Content-Type', 'Content-Encoding'],
    exposedHeaders: ['Retry-After'],
    maxAge: 86_400,
  })
  // Stored events feed the CRM (identities, lead scores) until the durable log has consumers.
  const sink = createNotifyingSink(writer, (rows) => app.crm.onEvents(rows), app.log)
  await app.register(ingestRoutes, { keyRing, sink })
  await app.register(healthRoutes, {
    client: store.client,
    storeKind: store.embedded ? 'embedded' : 'server',
    version,
  })
  await app.register(statsRoutes, { client: store.client, keyRing })
  await app.register(adminSqlRoutes, { client: store.client, keyRing })
  await app.register(crm, {
    client: store.client,
    resolveKey: (key) => keyRing.findSecretKey(key),
    getRetentionDays: (tenantId) =>
      config.tenants.find((tenant) => tenant.id === tenantId)?.retentionDays ?? 1095,
  })

  const script = readBrowserScript()
  if (script) {
    app.get('/rastro.js', (_request, reply) => {
      reply
        .type('application/javascript; charset=utf-8')
        .header('cache-control', 'public, max-age=300')
        .send(script)
    })
  } else {
    app.log.warn('browser SDK not built: /rastro.js is not served (run `npm run build`)')
  }
  if (settings.examplesDir) {
    await app.register(fastifyStatic, {
      root: resolve(settings.examplesDir),
      prefix: '/examples/',
      redirect: true,
    })
    app.get('/', (_request, reply) => reply.redirect('/examples/landing-page/'))
  }

  app.addHook('onClose', async () => {
    await sink.close()
    await store.client.close()
  })
  return app
}
