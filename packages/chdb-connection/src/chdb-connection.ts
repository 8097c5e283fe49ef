/**
 * A `@clickhouse/client` connection on the embedded ClickHouse engine (chDB), plugged in with
 * `createClient({ connection })`, so every other module uses the same client API whether
 * ClickHouse is embedded or a server.
 *
 * Why not `createChdbConnection` from `chdb/connection` as is: chdb 3.4 applies a query's
 * `clickhouse_settings` with session-wide `SET` statements, so `readonly = 1` on one query made
 * every later insert fail, and an `insert_deduplication_token` would stick to later inserts.
 * Here settings travel in the statement's own `SETTINGS` clause, and read-only SQL runs on a
 * session opened read-only. A chDB session runs one statement at a time, so there are three:
 * `write` (inserts, DDL), `read` (queries: a slow one never holds up an insert) and `readonly`.
 *
 * An insert's body goes to the engine as a file it reads itself (`INSERT … SELECT * FROM file()`),
 * not through chDB's raw insert nor inline in the SQL: measured here on the collector's 10k-row
 * `events` batches (935 bytes per row, `JSONCompactEachRow`), the engine took 10-13 µs of CPU per
 * row through the raw insert, 17-21 µs inline and 4-6 µs reading a file, into a `Null` table
 * (median 19.5 against 11.7 µs into `events`). The file is written to `<path>/insert-bodies`
 * and deleted once the insert ends, long before the kernel would write it back to disk. A body
 * under 512 KiB goes inline instead: a file cost a 1-row insert 9-13 ms against 4-7.
 *
 * The engine runs on libuv's thread pool (`queryAsync`), not on the event loop: measured here, a
 * 200k-row insert left the loop's p99 delay at 7 ms. It is not in a worker thread because chdb
 * 3.4 segfaults when a worker thread that loaded it exits (terminate, natural exit or process
 * exit alike), which would crash every shutdown.
 */
import { randomUUID } from 'node:crypto'
import { mkdirSync, rmSync } from 'node:fs'
import { open, rm } from 'node:fs/promises'
import { join } from 'node:path'
import { Readable } from 'node:stream'
import { parseError, type createClient } from '@clickhouse/client'
import { Session, type ChdbResult } from 'chdb'

/** The client's (deliberately unexported) connection contract. */
export type Connection = NonNullable<NonNullable<Parameters<typeof createClient>[0]>['connection']>
type QueryParams = Parameters<Connection['query']>[0]
type InsertParams = Parameters<Connection['insert']>[0]
type ExecParams = Parameters<Connection['exec']>[0]
type Settings = QueryParams['clickhouse_settings']
type SessionName = 'write' | 'read' | 'readonly'

/** Settings that only mean something to ClickHouse's HTTP interface. */
const HTTP_ONLY_SETTINGS = new Set([
  'wait_end_of_query',
  'send_progress_in_http_headers',
  'http_headers_progress_interval_ms',
  'enable_http_compression',
])

const TRAILING_FORMAT = /\s+FORMAT\s+\w+\s*$/i

/** A ClickHouse string literal. */
function quoteString(value: string): string {
  return `'${value.replaceAll('\\', '\\\\').replaceAll("'", "\\'")}'`
}

function toSettingLiteral(value: unknown): string {
  if (typeof value === 'number') return String(value)
  if (typeof value === 'boolean') return value ? '1' : '0'
  return quoteString(String(value))
}

/**
 * Moves `settings` into a `SETTINGS` clause placed before the statement's trailing `FORMAT`, and
 * tells whether the statement must run read-only.
 */
export function applySettings(sql: string, settings: Settings): { sql: string; readonly: boolean } {
  const clauses: string[] = []
  let readonly = false
  for (const [name, value] of Object.entries(settings ?? {})) {
    if (value === undefined || HTTP_ONLY_SETTINGS.has(name)) continue
    if (name === 'readonly') {
      readonly = String(value) !== '0'
      continue
    }
    if (!/^[a-z_][a-z0-9_]*$/i.test(name)) throw new Error(`invalid ClickHouse setting name: ${name}`)
    clauses.push(`${name} = ${toSettingLiteral(value)}`)
  }
  if (clauses.length === 0) return { sql, readonly }
  const settingsClause = ` SETTINGS ${clauses.join(', ')}`
  const format = TRAILING_FORMAT.exec(sql)
  const withSettings = format
    ? sql.slice(0, format.index) + settingsClause + sql.slice(format.index)
    : sql + settingsClause
  return { sql: withSettings, readonly }
}

/**
 * `INSERT INTO t [(a, b)] FORMAT F` whose rows come as the body, in a text format the engine can
 * read from a file (groups: table, column list, format).
 */
const BODY_INSERT =
  /^\s*INSERT\s+INTO\s+([\w.]+)\s*(\([\w\s,]+\))?\s*FORMAT\s+(JSONCompactEachRow|JSONEachRow|CSV|CSVWithNames|TSV|TabSeparated|TSVWithNames|TabSeparatedWithNames)\s*$/i

/**
 * Bodies from this size on go to the engine as a file (bytes); smaller ones inline in the SQL.
 * Measured: a 1-row insert took 9-13 ms through a file against 4-7 ms inline, while 10k rows of
 * ~935 bytes cost the engine ~13 µs of CPU per row less through a file (break-even ~400 rows).
 */
const FILE_BODY_BYTES = 512 * 1024

/** A body's chunks as they come (no copy into one buffer on the event loop). */
async function readChunks(values: InsertParams['values']): Promise<Buffer[]> {
  if (typeof values === 'string') return [Buffer.from(values)]
  const chunks: Buffer[] = []
  for await (const chunk of values) chunks.push(typeof chunk === 'string' ? Buffer.from(chunk) : chunk)
  return chunks
}

/**
 * Writes `chunks` to `file` in one system call (`writev`: joining a 10 MB batch into one buffer
 * took up to tens of ms of the event loop under load, and a write per chunk cost the writer a
 * call per single-event record).
 */
async function writeChunks(file: string, chunks: Buffer[]): Promise<void> {
  const handle = await open(file, 'w')
  try {
    await handle.writev(chunks)
  } finally {
    await handle.close()
  }
}

async function readAll(values: InsertParams['values']): Promise<string> {
  if (typeof values === 'string') return values
  return Buffer.concat(await readChunks(values)).toString('utf8')
}

function toStream(bytes: Uint8Array): Readable {
  const stream = Readable.from([Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength)])
  // ResultSet.close() destroys an unread stream with an error; nothing else can fail here.
  stream.on('error', () => {})
  return stream
}

function toSummary(result: Pick<ChdbResult, 'rowsRead' | 'bytesRead' | 'elapsed'>, written: boolean) {
  const rows = String(result.rowsRead)
  const bytes = String(result.bytesRead)
  return {
    read_rows: rows,
    read_bytes: bytes,
    written_rows: written ? rows : '0',
    written_bytes: written ? bytes : '0',
    total_rows_to_read: '0',
    result_rows: written ? '0' : rows,
    result_bytes: written ? '0' : bytes,
    elapsed_ns: String(Math.round(result.elapsed * 1e9)),
  }
}

/** Options of {@link ChdbConnection}. */
export interface ChdbConnectionOptions {
  /** Absolute path of the chDB data directory. */
  path: string
  /** Settings `SET` on every session when it opens (e.g. thread limits). */
  sessionSettings?: Record<string, number>
}

const NO_ROWS = { rowsRead: 0, bytesRead: 0, elapsed: 0 }

/**
 * `Connection` for `createClient({ connection })` on chDB. Errors are ClickHouse's, parsed into
 * `ClickHouseError` (with `.code` and `.type`).
 */
export class ChdbConnection implements Connection {
  readonly #sessions: Record<SessionName, Session>
  /** Where insert bodies wait for the engine to read them (`<path>/insert-bodies`). */
  readonly #bodyDir: string
  #closed = false

  constructor(options: ChdbConnectionOptions) {
    // The first session locks the data directory: another process running on it makes this throw,
    // before anything of that process's (its insert bodies below) is touched.
    this.#sessions = {
      write: new Session(options.path),
      read: new Session(options.path),
      readonly: new Session(options.path),
    }
    this.#bodyDir = join(options.path, 'insert-bodies')
    // Bodies left by a process that crashed mid-insert: their inserts never ended, and the caller
    // inserts the rows again.
    rmSync(this.#bodyDir, { recursive: true, force: true })
    mkdirSync(this.#bodyDir, { recursive: true })
    for (const session of Object.values(this.#sessions)) {
      // As a ClickHouse server answers over HTTP: 64-bit integers as JSON strings (no precision loss).
      session.query('SET output_format_json_quote_64bit_integers = 1')
      for (const [name, value] of Object.entries(options.sessionSettings ?? {})) {
        if (!/^[a-z_]+$/.test(name) || !Number.isFinite(value))
          throw new Error(`invalid session setting ${name}`)
        session.query(`SET ${name} = ${value}`)
      }
    }
    this.#sessions.readonly.query('SET readonly = 1')
  }

  async #run(params: QueryParams, defaultSession: SessionName, body?: string): Promise<ChdbResult> {
    if (this.#closed) throw new Error('the embedded ClickHouse is closed')
    const applied = applySettings(params.query, params.clickhouse_settings)
    const session = this.#sessions[applied.readonly ? 'readonly' : defaultSession]
    const sql = body === undefined ? applied.sql : `${applied.sql}\n${body}`
    const bind =
      params.query_params && Object.keys(params.query_params).length > 0 ? params.query_params : undefined
    try {
      return await (bind
        ? session.queryBindAsync(sql, bind, { format: 'CSV' })
        : session.queryAsync(sql, { format: 'CSV' }))
    } catch (error) {
      throw parseError(error instanceof Error ? error.message : String(error))
    }
  }

  async query(params: QueryParams) {
    const result = await this.#run(params, 'read')
    return {
      stream: toStream(result.bytes()),
      query_id: params.query_id ?? randomUUID(),
      response_headers: {},
      http_status_code: 200,
    }
  }

  /**
   * Inserts a body matched by {@link BODY_INSERT}. From {@link FILE_BODY_BYTES} on, writes it to
   * a file (as bytes, never decoded into a JS string) and has the engine read it with
   * `INSERT INTO t (cols) SELECT * FROM file(path, format)`, the columns' types taken from the
   * table; the file is deleted whether the insert succeeded or not. A smaller body goes inline.
   */
  async #insertBody(params: ExecParams | InsertParams, match: RegExpExecArray): Promise<void> {
    if (this.#closed) throw new Error('the embedded ClickHouse is closed')
    const chunks = await readChunks(params.values!)
    let bytes = 0
    for (const chunk of chunks) bytes += chunk.length
    // chDB answers "No data to insert" where a server inserts nothing.
    if (bytes === 0) return
    if (bytes < FILE_BODY_BYTES) {
      await this.#run(params, 'write', Buffer.concat(chunks).toString('utf8'))
      return
    }
    const [, table, columns, format] = match
    const file = join(this.#bodyDir, `${randomUUID()}.body`)
    try {
      await writeChunks(file, chunks)
      const query = `INSERT INTO ${table}${columns ? ` ${columns}` : ''} SELECT * FROM file(${quoteString(file)}, ${format})`
      await this.#run({ ...params, query }, 'write')
    } finally {
      await rm(file, { force: true })
    }
  }

  async exec(params: ExecParams) {
    const body = params.values === undefined ? null : BODY_INSERT.exec(params.query)
    if (body) {
      await this.#insertBody(params, body)
      return {
        stream: toStream(new Uint8Array(0)),
        query_id: params.query_id ?? randomUUID(),
        response_headers: {},
        http_status_code: 200,
      }
    }
    const values = params.values === undefined ? undefined : await readAll(params.values)
    const result = await this.#run(params, 'write', values)
    return {
      stream: toStream(result.bytes()),
      query_id: params.query_id ?? randomUUID(),
      response_headers: {},
      http_status_code: 200,
      summary: toSummary(result, values !== undefined),
    }
  }

  async command(params: QueryParams) {
    const result = await this.#run(params, 'write')
    return {
      query_id: params.query_id ?? randomUUID(),
      response_headers: {},
      http_status_code: 200,
      summary: toSummary(result, false),
    }
  }

  async insert(params: InsertParams) {
    const query_id = params.query_id ?? randomUUID()
    const body = BODY_INSERT.exec(params.query)
    if (body) {
      await this.#insertBody(params, body)
      return { query_id, response_headers: {}, http_status_code: 200 }
    }
    const values = await readAll(params.values)
    // chDB answers "No data to insert" where a server inserts nothing.
    const result = values.trim() === '' ? NO_ROWS : await this.#run(params, 'write', values)
    return { query_id, response_headers: {}, http_status_code: 200, summary: toSummary(result, true) }
  }

  async ping() {
    try {
      await this.#run({ query: 'SELECT 1' }, 'read')
      return { success: true as const }
    } catch (error) {
      return { success: false as const, error: error as Error }
    }
  }

  async close(): Promise<void> {
    if (this.#closed) return
    this.#closed = true
    for (const session of Object.values(this.#sessions)) session.close()
  }
}
