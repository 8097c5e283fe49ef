/** A client of a ClickHouse server (`CLICKHOUSE_URL`), as the collector and its CRM feed worker open it. */
import { createClient, type ClickHouseClient } from '@clickhouse/client'

/** Where a ClickHouse server is, and who the collector is to it. */
export interface ServerOptions {
  /** ClickHouse HTTP(S) URL, e.g. `http://clickhouse:8123`. */
  url: string
  username?: string | undefined
  password?: string | undefined
  /** Database (default `default`). */
  database?: string | undefined
}

export function createServerClient(options: ServerOptions): ClickHouseClient {
  return createClient({
    url: options.url,
    username: options.username ?? 'default',
    password: options.password ?? '',
    database: options.database ?? 'default',
    request_timeout: 60_000,
  })
}
