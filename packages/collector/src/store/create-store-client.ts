/**
 * Opens ClickHouse: a server when `url` is set (`CLICKHOUSE_URL`), otherwise the embedded chDB
 * engine with its data under `<dataDir>/clickhouse`. Both are the same `ClickHouseClient`.
 */
import { mkdirSync } from 'node:fs'
import { resolve } from 'node:path'
import { createClient, type ClickHouseClient } from '@clickhouse/client'
import { ChdbConnection, type Connection } from '@rastro/chdb-connection'
import { createServerClient, type ServerOptions } from '@rastro/crm-api'
import { createError } from '../errors.js'

/** Where ClickHouse lives. */
export interface StoreOptions {
  /** ClickHouse HTTP(S) URL, e.g. `http://clickhouse:8123`. Unset: embedded chDB. */
  url?: string | undefined
  username?: string | undefined
  password?: string | undefined
  /** Database for a server (default `default`). The embedded engine always uses `default`. */
  database?: string | undefined
  /** Data directory; the embedded engine keeps its files in `<dataDir>/clickhouse`. */
  dataDir: string
  /** Embedded only: `max_threads` and `max_insert_threads` of its sessions; 0 or unset: ClickHouse's default. */
  embeddedMaxThreads?: number | undefined
}

/** An open store: the client and which kind of ClickHouse it talks to. */
export interface Store {
  client: ClickHouseClient
  embedded: boolean
  /** The embedded engine's connection under `client`, for the CRM feed's worker thread to reach it. */
  connection?: Connection
  /** The server `client` talks to, for the CRM feed's worker thread to open a client of its own. */
  server?: ServerOptions
  /** Human-readable location for logs, with no password in it. */
  location: string
}

/**
 * Opens the store described by `options`. Does not run migrations (see `runMigrations`).
 *
 * @throws RastroError `RASTRO_ERR_STORE_OPEN_FAILED` when the embedded engine cannot be opened
 *   (another process holds its directory, or it is not writable).
 */
export function createStore(options: StoreOptions): Store {
  if (options.url) {
    const url = new URL(options.url)
    const server = {
      url: options.url,
      username: options.username,
      password: options.password,
      database: options.database,
    }
    const client = createServerClient(server)
    url.password = ''
    return { client, embedded: false, server, location: url.toString() }
  }
  const path = resolve(options.dataDir, 'clickhouse')
  mkdirSync(path, { recursive: true })
  const threads = options.embeddedMaxThreads
  const sessionSettings: Record<string, number> = threads
    ? { max_threads: threads, max_insert_threads: threads }
    : {}
  let connection: ChdbConnection
  try {
    connection = new ChdbConnection({ path, sessionSettings })
  } catch (error) {
    // chDB's error says only "Failed to create connection"; the engine prints why on stderr.
    throw createError('RASTRO_ERR_STORE_OPEN_FAILED', {
      message: `cannot open the embedded ClickHouse at ${path}: another process holds it (a collector already running on this data directory?) or it is not writable; the engine's reason is printed above`,
      cause: error,
    })
  }
  const client = createClient({ connection })
  return { client, embedded: true, connection, location: `embedded chDB at ${path}` }
}
