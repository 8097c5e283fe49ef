/**
 * The `rastro` command: `serve` runs the collector, `sql` runs read-only SQL through a running
 * collector, `copy-to-server` copies the embedded ClickHouse's data to a server, `config-schema`
 * prints the config file's JSON Schema.
 */
import { readFileSync } from 'node:fs'
import { join, resolve } from 'node:path'
import { parseArgs } from 'node:util'
import { getConfigJsonSchema } from './config/config-schema.js'
import { loadConfig, readClickHouseEnv } from './config/load-config.js'
import { RastroError } from './errors.js'
import { createServer, version } from './server.js'
import { copyToServer } from './store/copy-to-server.js'

const HELP = `rastro ${version}: self-hosted tracking collector

Usage:
  rastro serve [--port 8080] [--host 0.0.0.0] [--data-dir ./data] [--config rastro.config.json] [--examples dir]
  rastro sql "<query>" [--url http://localhost:<RASTRO_PORT or 8080>] [--admin-key KEY] [--data-dir ./data] [--json]
  rastro copy-to-server [--data-dir ./data]    (with CLICKHOUSE_URL…; the collector stopped)
  rastro config-schema

Environment: RASTRO_PORT, RASTRO_HOST, RASTRO_DATA_DIR, RASTRO_LOG_LEVEL, RASTRO_FLUSH_INTERVAL_MS,
RASTRO_MAX_BATCH_ROWS, RASTRO_TRUST_PROXY, RASTRO_MQTT_URL, RASTRO_MQTT_TOPIC_PREFIX; without --config: RASTRO_WRITE_KEY,
RASTRO_SECRET_KEY, RASTRO_ADMIN_KEY, and forwarding with RASTRO_META_PIXEL_ID + RASTRO_META_ACCESS_TOKEN [+ RASTRO_META_API_URL],
RASTRO_GA4_MEASUREMENT_ID + RASTRO_GA4_API_SECRET [+ RASTRO_GA4_API_URL], RASTRO_WEBHOOK_URL + RASTRO_WEBHOOK_SECRET,
RASTRO_DEFAULT_CONSENT=analytics,marketing; CLICKHOUSE_URL, CLICKHOUSE_USER, CLICKHOUSE_PASSWORD, CLICKHOUSE_DATABASE switch from
the embedded ClickHouse to a server; in a fleet, RASTRO_CRM_FEED=host on one collector, and RASTRO_CRM_FEED=remote with
RASTRO_CRM_HOST_URL and RASTRO_CRM_HOST_KEY on the others. Every setting: the README's table, \`rastro config-schema\`.`

function fail(message: string): never {
  process.stderr.write(`rastro: ${message}\n`)
  process.exit(1)
}

async function serve(args: string[]): Promise<void> {
  const { values } = parseArgs({
    args,
    options: {
      port: { type: 'string' },
      host: { type: 'string' },
      'data-dir': { type: 'string' },
      config: { type: 'string' },
      examples: { type: 'string' },
    },
  })
  const flags = Object.fromEntries(
    Object.entries({
      port: values.port,
      host: values.host,
      dataDir: values['data-dir'],
      examplesDir: values.examples,
    }).filter(([, value]) => value !== undefined),
  )
  const config = loadConfig({ configPath: values.config, flags })
  const app = await createServer({ config, ownsProcess: true })
  const { generatedKeys } = config
  if (generatedKeys) {
    const lines = Object.entries(generatedKeys)
      .filter(([name]) => name !== 'path')
      .map(([name, key]) => `  ${name}: ${key}`)
    process.stdout.write(
      `Generated keys for the default tenant (kept in ${generatedKeys.path}):\n${lines.join('\n')}\n`,
    )
  }
  let closing = false
  const shutdown = (signal: string) => {
    if (closing) return
    closing = true
    app.log.info({ signal }, 'shutting down: finishing requests and storing waiting events')
    app.close().then(
      () => process.exit(0),
      (error: unknown) => {
        app.log.error({ err: error }, 'shutdown failed')
        process.exit(1)
      },
    )
  }
  process.on('SIGTERM', shutdown)
  process.on('SIGINT', shutdown)
  const address = await app.listen({ port: config.settings.port, host: config.settings.host })
  app.log.info(
    // `collectorId`: its log's id, the collector's name in the fleet's `collector_watermarks`.
    { address, store: app.store.location, config: config.source, collectorId: app.ingestLog.id },
    'rastro collector listening',
  )
}

function findAdminKey(explicit: string | undefined, dataDir: string): string {
  if (explicit) return explicit
  if (process.env.RASTRO_ADMIN_KEY) return process.env.RASTRO_ADMIN_KEY
  try {
    const stored = JSON.parse(readFileSync(join(dataDir, 'keys.json'), 'utf8')) as { adminKey?: string }
    if (stored.adminKey) return stored.adminKey
  } catch {
    // no generated keys here
  }
  return fail('no admin key: pass --admin-key, set RASTRO_ADMIN_KEY, or run where --data-dir holds keys.json')
}

async function sql(args: string[]): Promise<void> {
  const { values, positionals } = parseArgs({
    args,
    allowPositionals: true,
    options: {
      // The collector `rastro serve` starts here, on RASTRO_PORT when set.
      url: { type: 'string', default: `http://localhost:${process.env.RASTRO_PORT ?? 8080}` },
      'admin-key': { type: 'string' },
      'data-dir': { type: 'string', default: process.env.RASTRO_DATA_DIR ?? './data' },
      json: { type: 'boolean', default: false },
    },
  })
  const query = positionals.join(' ').trim()
  if (!query) fail('usage: rastro sql "<query>"')
  const adminKey = findAdminKey(values['admin-key'], resolve(values['data-dir']))
  let response: Response
  try {
    response = await fetch(new URL('/v1/admin/sql', values.url), {
      method: 'POST',
      headers: { authorization: `Bearer ${adminKey}`, 'content-type': 'application/json' },
      body: JSON.stringify({ query }),
    })
  } catch (error) {
    return fail(
      `cannot reach the collector at ${values.url}: ${(error as Error).message} (is \`rastro serve\` running?)`,
    )
  }
  const body = (await response.json()) as {
    data?: Record<string, unknown>[]
    error?: { code: string; message: string }
  }
  if (!response.ok || !body.data)
    fail(`${body.error?.code ?? response.status}: ${body.error?.message ?? 'failed'}`)
  if (values.json) process.stdout.write(`${JSON.stringify(body.data)}\n`)
  else console.table(body.data)
}

/**
 * Copies the embedded ClickHouse under `--data-dir` to the server of `CLICKHOUSE_URL` (and its
 * `_USER`, `_PASSWORD`, `_DATABASE`, `_CLUSTER`), a line per table as it goes.
 */
async function copyToServerCommand(args: string[]): Promise<void> {
  const { values } = parseArgs({
    args,
    options: { 'data-dir': { type: 'string', default: process.env.RASTRO_DATA_DIR ?? './data' } },
  })
  const clickhouse = readClickHouseEnv(process.env)
  if (!clickhouse.url)
    fail('set CLICKHOUSE_URL (and CLICKHOUSE_USER, CLICKHOUSE_PASSWORD…) to the server to copy to')
  const results = await copyToServer({
    dataDir: resolve(values['data-dir']),
    clickhouse,
    onTable: (result) =>
      process.stdout.write(
        `${result.table}: ${result.skipped ? `not copied: ${result.skipped}` : `${result.rows} row${result.rows === 1 ? '' : 's'}`}\n`,
      ),
  }).catch((error: unknown) =>
    // What went wrong is the message (a missing directory, a server refusing); a stack adds nothing.
    fail(
      `copy-to-server: ${error instanceof RastroError ? `${error.code}: ` : ''}${error instanceof Error ? error.message : String(error)} (running it again is safe)`,
    ),
  )
  const rows = results.reduce((sum, result) => sum + result.rows, 0)
  process.stdout.write(
    `copied ${rows} rows of ${results.filter((result) => !result.skipped).length} tables\n`,
  )
}

async function main(): Promise<void> {
  const [command, ...args] = process.argv.slice(2)
  if (args.includes('--help') || args.includes('-h')) {
    process.stdout.write(`${HELP}\n`)
    return
  }
  if (command === 'serve') return serve(args)
  if (command === 'sql') return sql(args)
  if (command === 'copy-to-server') return copyToServerCommand(args)
  if (command === 'config-schema') {
    process.stdout.write(`${JSON.stringify(getConfigJsonSchema(), null, 2)}\n`)
    return
  }
  if (command === '--version' || command === '-v') {
    process.stdout.write(`${version}\n`)
    return
  }
  if (command === undefined || command === 'help' || command === '--help' || command === '-h') {
    process.stdout.write(`${HELP}\n`)
    return
  }
  fail(`unknown command "${command}"\n\n${HELP}`)
}

main().catch((error: unknown) => {
  if (error instanceof RastroError) fail(`${error.code}: ${error.message}`)
  // A mistyped flag (`--prot`, a value missing): node:util's parseArgs says which; a stack adds nothing.
  const code = (error as { code?: unknown } | undefined)?.code
  if (typeof code === 'string' && code.startsWith('ERR_PARSE_ARGS_'))
    fail(`${(error as Error).message}\n\n${HELP}`)
  fail(error instanceof Error ? (error.stack ?? error.message) : String(error))
})
