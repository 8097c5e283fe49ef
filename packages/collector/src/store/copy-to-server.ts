/**
 * Copies the embedded ClickHouse's tables (`<dataDir>/clickhouse`) to a ClickHouse server: the
 * data step of moving a collector from the embedded engine to a server (`rastro copy-to-server`,
 * docs/deploy.md). The embedded engine reads each table and sends it to the server's HTTP
 * interface itself (`INSERT INTO FUNCTION url(…)`, `TabSeparated`, which every column type
 * round-trips through), so no row passes through JavaScript; the server is the one the collector
 * would use (`CLICKHOUSE_URL`, `_USER`, `_PASSWORD`, `_DATABASE`, `_CLUSTER`).
 *
 * - The server's schema is created or brought up to date first (the collector's migrations).
 * - Every `*MergeTree` table is copied but `rastro_migrations` and the tables a materialized view
 *   fills (`heatmap_clicks`): the server's view fills those as `events` arrive.
 * - A `ReplacingMergeTree` table is copied whole each time: a second copy collapses with the
 *   first (its readers use `FINAL`). Any other table (`crm_changes`, `forward_log`, `device_seq`…)
 *   only while the server's is empty: a second copy would double its rows. So copy before the new
 *   collectors take traffic, as docs/deploy.md orders it.
 */
import { existsSync } from 'node:fs'
import { join } from 'node:path'
import type { ClickHouseClient } from '@clickhouse/client'
import { createServerClient } from '@rastro/crm-api'
import type { ClickHouseSettings } from '../config/load-config.js'
import { createStore, type Store } from './create-store-client.js'
import { runMigrations } from './run-migrations.js'

/** What happened to one table. */
export interface CopiedTable {
  table: string
  /** Rows read from the embedded table and sent to the server (0 when skipped). */
  rows: number
  /** Why the table was not copied; undefined when it was. */
  skipped?: string
}

/** A ClickHouse string literal. */
function quoteString(value: string): string {
  return `'${value.replaceAll('\\', '\\\\').replaceAll("'", "\\'")}'`
}

/** A ClickHouse identifier. */
function quoteName(name: string): string {
  return `\`${name.replaceAll('\\', '\\\\').replaceAll('`', '\\`')}\``
}

async function queryRows<T>(client: ClickHouseClient, query: string, params: Record<string, unknown> = {}) {
  const result = await client.query({ query, query_params: params, format: 'JSONEachRow' })
  return result.json<T>()
}

/** The columns an `INSERT` takes (not `MATERIALIZED`, `ALIAS` or `EPHEMERAL`), in table order. */
async function insertableColumns(client: ClickHouseClient, table: string): Promise<string[]> {
  const rows = await queryRows<{ name: string }>(
    client,
    `SELECT name FROM system.columns
     WHERE database = currentDatabase() AND table = {table:String}
       AND default_kind NOT IN ('MATERIALIZED', 'ALIAS', 'EPHEMERAL')
     ORDER BY position`,
    { table },
  )
  return rows.map((row) => row.name)
}

const countRows = async (client: ClickHouseClient, table: string) =>
  Number((await queryRows<{ n: string }>(client, `SELECT count() AS n FROM ${quoteName(table)}`))[0]?.n ?? 0)

/** Opens the embedded engine at `<dataDir>/clickhouse`, which must exist (no new empty one). */
function openEmbedded(dataDir: string): Store {
  const path = join(dataDir, 'clickhouse')
  if (!existsSync(path)) throw new Error(`no embedded ClickHouse at ${path}: pass the collector's --data-dir`)
  return createStore({ dataDir })
}

/**
 * Copies the tables of the embedded ClickHouse under `dataDir` to the server `clickhouse`
 * describes, one table after the other (see the module's notes for which and how); `onTable`
 * hears of each as it is done.
 *
 * @returns one entry per table, in the order copied.
 * @throws TypeError when `clickhouse.url` is unset; RastroError `RASTRO_ERR_STORE_OPEN_FAILED` when
 *   a collector still holds the embedded engine; Error when the engine is missing, the server cannot
 *   be reached or migrated (the message names it, without its password), or it lacks a table or
 *   column of the engine's; the ClickHouse error of a failed copy (tables copied before it stay
 *   copied; running again is safe).
 */
export async function copyToServer(options: {
  dataDir: string
  clickhouse: ClickHouseSettings
  onTable?: (result: CopiedTable) => void
}): Promise<CopiedTable[]> {
  const { url, username = 'default', password = '', database, cluster } = options.clickhouse
  if (!url) throw new TypeError('CLICKHOUSE_URL is not set: it names the server to copy to')
  const embedded = openEmbedded(options.dataDir)
  const server = createServerClient({ url, username, password, database })
  try {
    await runMigrations(server, undefined, { cluster }).catch((error: unknown) => {
      const where = new URL(url)
      where.password = ''
      throw new Error(`ClickHouse at ${where.toString()}: ${(error as Error).message}`, { cause: error })
    })
    const tables = await queryRows<{ name: string; engine: string }>(
      embedded.client,
      `SELECT name, engine FROM system.tables
       WHERE database = currentDatabase() AND engine LIKE '%MergeTree' AND name != 'rastro_migrations'
       ORDER BY name`,
    )
    const views = await queryRows<{ query: string }>(
      embedded.client,
      `SELECT create_table_query AS query FROM system.tables
       WHERE database = currentDatabase() AND engine = 'MaterializedView'`,
    )
    const filledByViews = new Set(views.map((view) => /\sTO\s+(?:[\w`]+\.)?`?(\w+)`?/i.exec(view.query)?.[1]))
    // Credentials in the URL win, as they do for the collector's client.
    const inUrl = new URL(url)
    const user = inUrl.username ? decodeURIComponent(inUrl.username) : username
    const secret = inUrl.username ? decodeURIComponent(inUrl.password) : password
    const authorization = `Basic ${Buffer.from(`${user}:${secret}`).toString('base64')}`
    const results: CopiedTable[] = []
    for (const { name: table, engine } of tables) {
      let result: CopiedTable
      if (filledByViews.has(table)) {
        result = { table, rows: 0, skipped: 'filled by a materialized view from the copied events' }
      } else if (!engine.includes('Replacing') && (await countRows(server, table)) > 0) {
        result = { table, rows: 0, skipped: "the server's table has rows: a second copy would double them" }
      } else {
        const columns = await insertableColumns(embedded.client, table)
        const serverColumns = new Set(await insertableColumns(server, table))
        if (serverColumns.size === 0) throw new Error(`the server has no table ${table}`)
        const missing = columns.find((column) => !serverColumns.has(column))
        if (missing !== undefined)
          throw new Error(
            `the server's ${table} has no column ${missing}: it runs an older schema than the data`,
          )
        const list = columns.map(quoteName).join(', ')
        const target = new URL(url)
        target.username = ''
        target.password = ''
        target.search = new URLSearchParams({
          query: `INSERT INTO ${quoteName(table)} (${list}) FORMAT TabSeparated`,
          ...(database ? { database } : {}),
          // On a cluster: answer once the rows are on their shards, as the collector's inserts do.
          ...(cluster ? { insert_distributed_sync: '1' } : {}),
        }).toString()
        const rows = await countRows(embedded.client, table)
        if (rows > 0)
          await embedded.client.command({
            query: `INSERT INTO FUNCTION url(${quoteString(target.toString())}, 'TabSeparated', headers('Authorization' = ${quoteString(authorization)}))
                  SELECT ${list} FROM ${quoteName(table)}`,
          })
        result = { table, rows }
      }
      results.push(result)
      options.onTable?.(result)
    }
    return results
  } finally {
    await server.close()
    await embedded.client.close()
  }
}
