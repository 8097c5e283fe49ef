/**
 * ClickHouse's HTTP interface over the embedded engine, for tests of the collector as it runs with
 * `CLICKHOUSE_URL`: its `@clickhouse/client` over real HTTP (query parameters and settings in the
 * URL, Basic auth, errors as ClickHouse words them, refused connections in an outage) against a
 * real ClickHouse engine (chDB), since no ClickHouse server runs on these machines.
 *
 * It answers what `@clickhouse/client` sends (https://clickhouse.com/docs/interfaces/http):
 * `GET /ping`, and `POST /` whose SQL is the `query` URL parameter followed by the body, or the
 * body alone; `param_<name>` are query parameters, other URL parameters are settings. Not served:
 * a `database` other than `default`, multipart bodies and compressed requests (each answered with
 * an error), sessions, and a non-scalar parameter (array, tuple, map) holding a backslash.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import { Readable } from 'node:stream'
import { ChdbConnection } from '@rastro/chdb-connection'
import { ClickHouseError, createClient, type ClickHouseClient } from '@clickhouse/client'

export interface ClickHouseHttpOptions {
  /** The engine's data directory. */
  path: string
  /** The credentials it accepts (Basic auth). */
  username: string
  password: string
  /**
   * Time between running a statement and answering it (ms; default 0), as on a distant server: a
   * client that dies meanwhile never learns that its insert was stored.
   */
  answerDelayMs?: number
}

export interface ClickHouseHttpServer {
  /** `http://127.0.0.1:<port>`, the same across {@link stop} and {@link start}. */
  url: string
  /** A client of the engine behind it, to check what it stores (or stop its merges) without HTTP. */
  client: ClickHouseClient
  /** Statements run so far, and those refused for bad credentials. */
  counts: { statements: number; unauthorized: number }
  /** Stops answering: the port is closed and open connections are cut (a server down). */
  stop(): Promise<void>
  /** Answers again, on the same port. */
  start(): Promise<void>
  /** Stops and closes the engine. */
  close(): Promise<void>
}

/** URL parameters that are not settings. */
const NOT_SETTINGS = new Set(['query', 'query_id', 'database', 'session_id', 'role', 'default_format'])

/** Undoes the Escaped (TSV) form a parameter travels in; the engine's binding escapes it again. */
function unescapeTsv(value: string): string {
  const escapes: Record<string, string> = { t: '\t', n: '\n', r: '\r', b: '\b', f: '\f', '0': '\0' }
  return value.replace(/\\(.)/gs, (_, char: string) => escapes[char] ?? char)
}

/** The declared type of each `{name:Type}` placeholder of `sql`. */
function placeholderTypes(sql: string): Map<string, string> {
  return new Map(
    [...sql.matchAll(/\{\s*(\w+)\s*:\s*([^}]+)\}/g)].map((match) => [match[1]!, match[2]!.trim()]),
  )
}

function parseRequest(url: URL, body: Buffer) {
  const urlQuery = url.searchParams.get('query')
  const sql = urlQuery ?? body.toString('utf8')
  const types = placeholderTypes(sql)
  const query_params: Record<string, string | null> = {}
  const clickhouse_settings: Record<string, string | number> = {}
  for (const [name, value] of url.searchParams) {
    if (name.startsWith('param_')) {
      const param = name.slice('param_'.length)
      // A scalar's text is unescaped once; an array's, tuple's or map's is its literal, which the
      // engine's binding would escape again.
      const scalar = !/^(Array|Tuple|Map)\(/.test(types.get(param) ?? '')
      if (!scalar && value.includes('\\'))
        throw new ClickHouseError({
          message: `param_${param}: not served here`,
          code: '36',
          type: 'BAD_ARGUMENTS',
        })
      // `\N` is NULL; the engine's binding writes null as `\N` again.
      query_params[param] = value === '\\N' ? null : scalar ? unescapeTsv(value) : value
    } else if (!NOT_SETTINGS.has(name)) {
      clickhouse_settings[name] = /^-?\d+$/.test(value) ? Number(value) : value
    }
  }
  const database = url.searchParams.get('database')
  if (database !== null && database !== 'default')
    throw new ClickHouseError({
      message: `database ${database}: not served here`,
      code: '81',
      type: 'UNKNOWN_DATABASE',
    })
  return {
    query: sql,
    values: urlQuery !== null && body.length > 0 ? Readable.from([body]) : undefined,
    query_params,
    clickhouse_settings,
  }
}

async function readBody(request: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = []
  for await (const chunk of request) chunks.push(chunk as Buffer)
  return Buffer.concat(chunks)
}

/** An error's body as a ClickHouse server words it (what `parseError` of the client reads). */
function errorText(error: unknown): string {
  if (error instanceof ClickHouseError)
    return `Code: ${error.code}. DB::Exception: ${error.message} (${error.type}) (version chDB)\n`
  return `Code: 1001. DB::Exception: ${String(error)} (STD_EXCEPTION) (version chDB)\n`
}

/** Starts the server on a free port of 127.0.0.1, on the engine at `options.path`. */
export async function startClickHouseHttp(options: ClickHouseHttpOptions): Promise<ClickHouseHttpServer> {
  const connection = new ChdbConnection({ path: options.path })
  const expectedAuth = `Basic ${Buffer.from(`${options.username}:${options.password}`).toString('base64')}`
  const counts = { statements: 0, unauthorized: 0 }

  async function handle(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const url = new URL(request.url ?? '/', 'http://clickhouse')
    if (request.method === 'GET' && url.pathname === '/ping') {
      response.end('Ok.\n')
      return
    }
    const body = await readBody(request)
    if (request.headers.authorization !== expectedAuth) {
      counts.unauthorized++
      response.writeHead(401, { 'x-clickhouse-exception-code': '516' })
      response.end(
        errorText(
          new ClickHouseError({
            message: `${options.username}: Authentication failed: password is incorrect, or there is no user with such name.`,
            code: '516',
            type: 'AUTHENTICATION_FAILED',
          }),
        ),
      )
      return
    }
    if (request.headers['content-encoding'] || request.headers['content-type']?.startsWith('multipart/'))
      throw new ClickHouseError({
        message: 'compressed or multipart body: not served here',
        code: '36',
        type: 'BAD_ARGUMENTS',
      })
    const params = parseRequest(url, body)
    counts.statements++
    const result = await connection.exec(params)
    const chunks: Buffer[] = []
    for await (const chunk of result.stream) chunks.push(chunk as Buffer)
    if (options.answerDelayMs) await new Promise((resolve) => setTimeout(resolve, options.answerDelayMs))
    response.writeHead(200, {
      'x-clickhouse-query-id': url.searchParams.get('query_id') ?? result.query_id,
      ...(result.summary ? { 'x-clickhouse-summary': JSON.stringify(result.summary) } : {}),
    })
    response.end(Buffer.concat(chunks))
  }

  const server: Server = createServer((request, response) => {
    handle(request, response).catch((error: unknown) => {
      if (response.headersSent) {
        response.destroy()
        return
      }
      const code = error instanceof ClickHouseError ? error.code : '1001'
      response.writeHead(500, { 'x-clickhouse-exception-code': code })
      response.end(errorText(error))
    })
  })
  const listen = (port: number) =>
    new Promise<void>((resolve, reject) => {
      server.once('error', reject)
      server.listen(port, '127.0.0.1', () => {
        server.off('error', reject)
        resolve()
      })
    })
  await listen(0)
  const { port } = server.address() as AddressInfo
  const stop = async () => {
    if (!server.listening) return
    const closed = new Promise((resolve) => server.close(resolve))
    server.closeAllConnections()
    await closed
  }
  const client = createClient({ connection })
  return {
    url: `http://127.0.0.1:${port}`,
    client,
    counts,
    stop,
    start: () => listen(port),
    async close() {
      await stop()
      await client.close()
    },
  }
}
