/**
 * Runs the CRM plugin on its own Fastify server over a real embedded ClickHouse (chDB) in a
 * temporary directory, with the collector's `events` table and the CRM's migrations, and two
 * tenants' keys. Requests go through Fastify's full pipeline (`inject`). `ingest` does what the
 * collector does with accepted events: inserts them into `events`, then hands them to the feed.
 */
import { randomUUID } from 'node:crypto'
import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { createClient, type ClickHouseClient } from '@clickhouse/client'
import { ChdbConnection } from '@rastro/chdb-connection'
import type { FastifyInstance } from 'fastify'
import { createCrmServer, crmMigrations, type CrmEventRow, type CrmOptions } from '../../src/index.js'

export const keys = {
  owner: 'sk_test_owner_key_tenant_one',
  editor: 'sk_test_editor_key_tenant_one',
  viewer: 'sk_test_viewer_key_tenant_one',
  otherOwner: 'sk_test_owner_key_tenant_two',
}

const CONFIG_KEYS: Record<string, { tenantId: string; role: 'viewer' | 'editor' | 'owner' }> = {
  [keys.owner]: { tenantId: 'one', role: 'owner' },
  [keys.editor]: { tenantId: 'one', role: 'editor' },
  [keys.viewer]: { tenantId: 'one', role: 'viewer' },
  [keys.otherOwner]: { tenantId: 'two', role: 'owner' },
}

export interface Answer<T = any> {
  status: number
  headers: Record<string, string | string[] | number | undefined>
  body: T
  text: string
}

export interface RunningCrm {
  app: FastifyInstance
  client: ClickHouseClient
  /** A request with `Authorization: Bearer <key>` (default: tenant one's owner key). */
  call<T = any>(
    method: string,
    url: string,
    options?: { key?: string | null; body?: unknown; headers?: Record<string, string>; payload?: string },
  ): Promise<Answer<T>>
  /** Stores event rows as the collector does, then feeds them to the CRM and waits for it. */
  ingest(rows: CrmEventRow[]): Promise<void>
  /** Another CRM app with other options on the same store (chDB opens one data directory per process). */
  fork(options: Partial<CrmOptions>): Promise<RunningCrm>
  /** Rows of a query (tenant-free: tests look at everything). */
  rows<T = Record<string, unknown>>(query: string, params?: Record<string, unknown>): Promise<T[]>
  stop(): Promise<void>
}

/** Every column of an `events` row, for inserting fixtures. */
export interface EventRow extends CrmEventRow {
  site_id: string
  session_id: string
  original_timestamp: string | null
  sent_at: string | null
  received_at: string
  url: string
  referrer: string
  title: string
  utm_medium: string
  utm_campaign: string
  utm_term: string
  utm_content: string
  browser: string
  browser_version: string
  os: string
  os_version: string
  device_type: string
  user_agent: string
  ip: string
  library_version: string
  locale: string
  retention_days: number
}

/** `2026-11-22 10:00:00.000` for `ms` (default now). */
export function toChTime(ms: number = Date.now()): string {
  return new Date(ms).toISOString().slice(0, 23).replace('T', ' ')
}

/** An event row with defaults: a web page view of tenant one. */
export function createEvent(
  fields: Partial<Omit<EventRow, 'properties' | 'traits' | 'context'>> & {
    properties?: string | Record<string, unknown>
    traits?: string | Record<string, unknown>
    context?: string | Record<string, unknown>
  },
): EventRow {
  const { properties, traits, context, ...rest } = fields
  const json = (value: unknown) => (typeof value === 'string' ? value : JSON.stringify(value ?? {}))
  return {
    tenant_id: 'one',
    site_id: 'web',
    message_id: randomUUID(),
    type: 'page',
    event: '',
    name: '',
    anonymous_id: '',
    user_id: '',
    session_id: '',
    timestamp: toChTime(),
    original_timestamp: null,
    sent_at: null,
    received_at: toChTime(),
    url: '',
    path: '',
    referrer: '',
    title: '',
    utm_source: '',
    utm_medium: '',
    utm_campaign: '',
    utm_term: '',
    utm_content: '',
    browser: '',
    browser_version: '',
    os: '',
    os_version: '',
    device_type: '',
    user_agent: '',
    ip: '',
    library_name: '',
    library_version: '',
    locale: '',
    score: 0,
    engagement: '',
    bot: 0,
    retention_days: 365,
    ...rest,
    properties: json(properties),
    traits: json(traits),
    context: json(context),
  }
}

/**
 * The collector's `events` table as its migrations create it on one ClickHouse. The CRM cannot
 * import the collector (the collector depends on the CRM), so it reads the collector's reviewed
 * DDL, which the collector's tests check against its migrations (test/internals/render-create-table.test.ts).
 */
function readEventsTable(): string {
  const ddl = readFileSync(
    new URL('../../../collector/test/internals/__snapshots__/single-ddl.sql', import.meta.url),
    'utf8',
  )
  const events = ddl
    .split(';\n\n')
    .find((statement) => statement.startsWith('CREATE TABLE IF NOT EXISTS events ('))
  if (!events) throw new Error("the collector's DDL snapshot has no events table")
  return events
}

/** Applies the events table and the CRM migrations to a fresh store (the collector's job in production). */
export async function migrate(client: ClickHouseClient): Promise<void> {
  await client.command({ query: readEventsTable() })
  for (const migration of crmMigrations) {
    for (const table of migration.tables) {
      const clauses = [
        table.partitionBy && `PARTITION BY ${table.partitionBy}`,
        `ORDER BY ${table.orderBy}`,
        table.ttl && `TTL ${table.ttl}`,
      ].filter(Boolean)
      await client.command({
        query: `CREATE TABLE IF NOT EXISTS ${table.name} (\n${table.columns}\n) ENGINE = ${table.engine} ${clauses.join(' ')}`,
      })
    }
    for (const statement of migration.alterEvents ?? []) {
      await client.command({ query: statement.replaceAll('{events}', 'events') })
    }
  }
}

async function createRunning(
  client: ClickHouseClient,
  options: Partial<CrmOptions>,
  stopStore: () => Promise<void>,
): Promise<RunningCrm> {
  const app = await createCrmServer({
    client,
    logger: false,
    resolveKey: (key) => CONFIG_KEYS[key],
    rateLimitMax: 10_000,
    ...options,
  })
  await app.ready()
  return {
    app,
    client,
    async call(method, url, options = {}) {
      const headers: Record<string, string> = { ...options.headers }
      const key = options.key === undefined ? keys.owner : options.key
      if (key !== null) headers.authorization = `Bearer ${key}`
      const response = await app.inject({
        method: method as 'GET',
        url,
        headers,
        ...(options.payload !== undefined
          ? { payload: options.payload }
          : options.body !== undefined
            ? {
                payload: JSON.stringify(options.body),
                headers: { ...headers, 'content-type': 'application/json' },
              }
            : {}),
      })
      let body: any = response.body
      try {
        body = response.body ? JSON.parse(response.body) : undefined
      } catch {
        // Not JSON (CSV): left as text.
      }
      return { status: response.statusCode, headers: response.headers, body, text: response.body }
    },
    async ingest(rows) {
      await client.insert({ table: 'events', values: rows, format: 'JSONEachRow' })
      await app.crm.onEvents(rows)
    },
    fork(forkOptions) {
      return createRunning(client, { ...options, ...forkOptions }, async () => {})
    },
    async rows(query, params = {}) {
      const result = await client.query({ query, query_params: params, format: 'JSONEachRow' })
      return result.json()
    },
    async stop() {
      await app.close()
      await stopStore()
    },
  }
}

export async function startCrm(options: Partial<CrmOptions> = {}): Promise<RunningCrm> {
  const dataDir = mkdtempSync(join(tmpdir(), 'rastro-crm-test-'))
  const client = createClient({ connection: new ChdbConnection({ path: join(dataDir, 'clickhouse') }) })
  await migrate(client)
  return createRunning(client, options, async () => {
    await client.close()
    rmSync(dataDir, { recursive: true, force: true })
  })
}
