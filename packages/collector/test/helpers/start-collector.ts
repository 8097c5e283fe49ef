/**
 * Starts the built collector on a temporary data dir (or a given one, to test restarts) and a free
 * port, with a test config, and gives back its URL, the config's keys and a way to stop it and
 * remove its data.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { createServer, loadConfig } from '../../src/index.js'
import type { ConfigFile, Store } from '../../src/index.js'
import type { Settings } from '../../src/config/config-schema.js'

export const keys = {
  writeKey: 'wk_test_site_one',
  otherWriteKey: 'wk_test_site_two',
  secretKey: 'sk_test_secret_key_tenant_one',
  viewerKey: 'sk_test_viewer_key_tenant_one',
  otherSecretKey: 'sk_test_secret_key_tenant_two',
  adminKey: 'ak_test_admin_key_operator',
}

export const testConfig: ConfigFile = {
  adminKey: keys.adminKey,
  tenants: [
    {
      id: 'one',
      retentionDays: 30,
      sites: [{ id: 'web', writeKey: keys.writeKey, allowedOrigins: ['http://allowed.example'] }],
      secretKeys: [
        { key: keys.secretKey, role: 'owner' },
        { key: keys.viewerKey, role: 'viewer' },
      ],
    },
    {
      id: 'two',
      retentionDays: 30,
      sites: [{ id: 'web', writeKey: keys.otherWriteKey, allowedOrigins: ['*'] }],
      secretKeys: [{ key: keys.otherSecretKey, role: 'owner' }],
    },
  ],
}

export interface RunningCollector {
  url: string
  dataDir: string
  app: Awaited<ReturnType<typeof createServer>>
  /** Closes the collector and removes its data dir, unless `keepData` (to start it again on it). */
  stop(options?: { keepData?: boolean }): Promise<void>
}

export async function startCollector(
  options: {
    config?: ConfigFile
    flushIntervalMs?: number
    examplesDir?: string
    /** More server settings (`maxLogBytes`, `durability`…). */
    settings?: Partial<Settings>
    /** A data dir to start on (a restart); default: a new temporary one. */
    dataDir?: string
    /** A ClickHouse store to use instead of the data dir's (another collector's, to share it). */
    store?: Store
    /** Environment variables it reads (`CLICKHOUSE_URL`…); default: none. */
    env?: Record<string, string>
  } = {},
): Promise<RunningCollector> {
  const dataDir = options.dataDir ?? mkdtempSync(join(tmpdir(), 'rastro-test-'))
  const configPath = join(dataDir, 'rastro.config.json')
  writeFileSync(configPath, JSON.stringify(options.config ?? testConfig))
  const config = loadConfig({
    configPath,
    env: options.env ?? {},
    flags: {
      dataDir,
      port: 0,
      host: '127.0.0.1',
      flushIntervalMs: options.flushIntervalMs ?? 50,
      logLevel: 'warn',
      ...(options.examplesDir ? { examplesDir: options.examplesDir } : {}),
      ...options.settings,
    },
  })
  const app = await createServer({ config, ...(options.store ? { store: options.store } : {}) })
  const url = await app.listen({ port: 0, host: '127.0.0.1' })
  return {
    url,
    dataDir,
    app,
    async stop(stopOptions = {}) {
      await app.close()
      if (!stopOptions.keepData) rmSync(dataDir, { recursive: true, force: true })
    },
  }
}

/**
 * Rows of a query on the collector's ClickHouse (FINAL where it matters is the caller's), once
 * every event acknowledged so far has been inserted (an ack comes after the log append, before
 * the insert).
 */
export async function queryRows<T = Record<string, unknown>>(
  collector: RunningCollector,
  query: string,
  params: Record<string, unknown> = {},
): Promise<T[]> {
  await collector.app.whenStored()
  const result = await collector.app.store.client.query({
    query,
    query_params: params,
    format: 'JSONEachRow',
  })
  return result.json<T>()
}

/** POSTs `batch` to the collector's `/v1/batch` with the test site's write key. */
export function postBatch(collector: RunningCollector, batch: unknown[]): Promise<Response> {
  return fetch(`${collector.url}/v1/batch`, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      authorization: `Basic ${Buffer.from(`${keys.writeKey}:`).toString('base64')}`,
    },
    body: JSON.stringify({ batch }),
  })
}
