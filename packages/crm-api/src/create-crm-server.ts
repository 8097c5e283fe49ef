/**
 * The CRM on its own Fastify server, for running it apart from the collector: `createCrmServer`
 * mounts the plugin on a new Fastify instance with a client you pass; `openCrmStore` opens that
 * client on a ClickHouse server (`CLICKHOUSE_URL`) or on an embedded chDB data directory. The
 * schema is the collector's to migrate (`rastro serve` applies the CRM's migrations 60-69 with its
 * own): `assertCrmSchema` refuses to start on a store it has not migrated.
 */
import { mkdirSync } from 'node:fs'
import { resolve } from 'node:path'
import { createClient, type ClickHouseClient } from '@clickhouse/client'
import Fastify, { type FastifyInstance } from 'fastify'
import { crm, type CrmOptions } from './crm-plugin.js'
import { createServerClient } from './db/create-server-client.js'
import { crmMigrations } from './migrations/index.js'

export interface CreateCrmServerOptions extends CrmOptions {
  /** Fastify/pino logger options (default: `info`). */
  logger?: boolean | Record<string, unknown>
  /** Trust `X-Forwarded-*` from a proxy in front (Fastify's `trustProxy`). */
  trustProxy?: boolean
}

/** A Fastify server with the CRM mounted (not listening). Closing it does not close the client. */
export async function createCrmServer(options: CreateCrmServerOptions): Promise<FastifyInstance> {
  const { logger, trustProxy, ...crmOptions } = options
  const app = Fastify({ logger: logger ?? { level: 'info' }, trustProxy: trustProxy ?? false })
  await app.register(crm, crmOptions)
  return app
}

/** Where the standalone CRM finds ClickHouse. */
export interface CrmStoreOptions {
  /** ClickHouse HTTP(S) URL; unset: embedded chDB under `<dataDir>/clickhouse` (the collector's layout). */
  url?: string | undefined
  username?: string | undefined
  password?: string | undefined
  database?: string | undefined
  dataDir?: string | undefined
}

/** Opens a ClickHouse client. The embedded engine must not be open in another process (chDB is one process per directory). */
export async function openCrmStore(options: CrmStoreOptions): Promise<ClickHouseClient> {
  if (options.url) return createServerClient({ ...options, url: options.url })
  const path = resolve(options.dataDir ?? './data', 'clickhouse')
  mkdirSync(path, { recursive: true })
  // The collector's connection, not chdb/connection's: that one applies a query's settings to every
  // later query of its single session (chdb 3.4), and answers 64-bit integers as numbers.
  const { ChdbConnection } = await import('@rastro/chdb-connection')
  return createClient({ connection: new ChdbConnection({ path }) })
}

/** @throws Error when the store lacks a CRM migration (run the collector once against it). */
export async function assertCrmSchema(client: ClickHouseClient): Promise<void> {
  const expected = crmMigrations.map((migration) => migration.version)
  let applied = new Set<number>()
  try {
    const result = await client.query({
      query: 'SELECT version FROM rastro_migrations FINAL WHERE version >= 60 AND version < 70',
      format: 'JSONEachRow',
    })
    applied = new Set((await result.json<{ version: number | string }>()).map((row) => Number(row.version)))
  } catch {
    // No migrations table: reported below.
  }
  const missing = expected.filter((version) => !applied.has(version))
  if (missing.length > 0) {
    throw new Error(
      `the ClickHouse store lacks CRM migrations ${missing.join(', ')}: start the collector (rastro serve) against it once to migrate it`,
    )
  }
}
