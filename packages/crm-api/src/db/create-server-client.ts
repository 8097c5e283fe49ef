/**
 * A client of a ClickHouse server (`CLICKHOUSE_URL`), as Rastro opens it everywhere: the collector,
 * its CRM feed worker and the standalone CRM (`openCrmStore`).
 */
import { ClickHouseLogLevel, createClient, type ClickHouseClient } from '@clickhouse/client'

/** Where a ClickHouse server is, and who the collector is to it. */
export interface ServerOptions {
  /** ClickHouse HTTP(S) URL, e.g. `http://clickhouse:8123`. */
  url: string
  username?: string | undefined
  password?: string | undefined
  /** Database (default `default`). */
  database?: string | undefined
}

/**
 * A client of the server `options` describe (user `default`, no password and database `default`
 * when unset; credentials in `url` take the place of `username` and `password`; 60 s request timeout).
 */
export function createServerClient(options: ServerOptions): ClickHouseClient {
  // Credentials in the URL win, as the client reads them; passing ours too made it warn on stderr.
  const credentials = new URL(options.url).username
    ? {}
    : { username: options.username ?? 'default', password: options.password ?? '' }
  return createClient({
    url: options.url,
    ...credentials,
    database: options.database ?? 'default',
    request_timeout: 60_000,
    // Callers log a failure themselves, with what follows from it (a retry, a 503). The client's own
    // console lines repeated each one as multi-line text beside the JSON logs: a down server
    // printed one per readiness probe and per insert retry.
    log: { level: ClickHouseLogLevel.OFF },
  })
}
