/**
 * Starts the real collector (embedded ClickHouse) in this process on a free port, with one tenant
 * whose site has the test write key (and the forwarding destinations a test gives it), and removes
 * its data when stopped.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { createServer, loadConfig, type ConfigFile } from '@rastro/collector'

export const WRITE_KEY = 'wk_node_sdk_test_server'

type Destinations = NonNullable<ConfigFile['tenants'][number]['destinations']>

function createConfig(destinations: Destinations): ConfigFile {
  return {
    tenants: [
      {
        id: 'shop',
        retentionDays: 30,
        sites: [{ id: 'server', writeKey: WRITE_KEY, allowedOrigins: ['*'] }],
        secretKeys: [],
        destinations,
      },
    ],
  }
}

export interface RunningCollector {
  url: string
  app: Awaited<ReturnType<typeof createServer>>
  stop(): Promise<void>
}

export async function startCollector(destinations: Destinations = []): Promise<RunningCollector> {
  const dataDir = mkdtempSync(join(tmpdir(), 'rastro-node-sdk-test-'))
  const configPath = join(dataDir, 'rastro.config.json')
  writeFileSync(configPath, JSON.stringify(createConfig(destinations)))
  const resolved = loadConfig({
    configPath,
    env: {},
    flags: { dataDir, port: 0, host: '127.0.0.1', flushIntervalMs: 50, logLevel: 'warn' },
  })
  const app = await createServer({ config: resolved, logger: false })
  const url = await app.listen({ port: 0, host: '127.0.0.1' })
  return {
    url,
    app,
    async stop() {
      await app.close()
      rmSync(dataDir, { recursive: true, force: true })
    },
  }
}

/** Rows of a query on the collector's ClickHouse, once every acknowledged event is stored there. */
export async function queryRows<T = Record<string, unknown>>(
  collector: RunningCollector,
  query: string,
  params: Record<string, unknown> = {},
): Promise<T[]> {
  // The collector acknowledges once events are in its write-ahead log; ClickHouse follows.
  await collector.app.whenStored()
  const result = await collector.app.store.client.query({
    query,
    query_params: params,
    format: 'JSONEachRow',
  })
  return result.json<T>()
}
