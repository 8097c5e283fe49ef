/**
 * Starts the built collector (as `npm start` runs it) on a free port and a temporary data dir,
 * serving the examples, with a config whose demo sites (landing page, storefront) allow exactly the
 * test's origin, plus any `allowedOrigins` the test serves its own pages from.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { createServer as createNetServer } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { createServer, loadConfig, type ConfigFile, type LoadConfigOptions } from '@rastro/collector'

type TenantFile = ConfigFile['tenants'][number]

export const demoKeys = {
  writeKey: 'wk_demo_landing',
  storefrontWriteKey: 'wk_demo_storefront',
  secretKey: 'sk_e2e_secret_key_0123456789',
  viewerKey: 'sk_e2e_viewer_key_0123456789',
  adminKey: 'ak_e2e_admin_key_0123456789',
}

export const examplesDir = fileURLToPath(new URL('../../../examples', import.meta.url))

export async function getFreePort(): Promise<number> {
  const server = createNetServer()
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.address() as { port: number }
  await new Promise((resolve) => server.close(resolve))
  return port
}

export interface RunningCollector {
  /** `http://127.0.0.1:<port>` */
  origin: string
  app: Awaited<ReturnType<typeof createServer>>
  rows<T = Record<string, unknown>>(query: string, params?: Record<string, unknown>): Promise<T[]>
  stop(): Promise<void>
}

export interface StartCollectorOptions {
  /** More page origins the demo sites accept events from (e.g. a fixture server's). */
  allowedOrigins?: string[]
  /** Settings merged into the demo tenant (destinations, time zone…). */
  tenant?: Partial<TenantFile>
  /** More server settings (e.g. `trustProxy`), given as flags. */
  settings?: LoadConfigOptions['flags']
}

export async function startCollector(options: StartCollectorOptions = {}): Promise<RunningCollector> {
  const port = await getFreePort()
  const origin = `http://127.0.0.1:${port}`
  const allowedOrigins = [origin, ...(options.allowedOrigins ?? [])]
  const dataDir = mkdtempSync(join(tmpdir(), 'rastro-e2e-'))
  const config: ConfigFile = {
    adminKey: demoKeys.adminKey,
    tenants: [
      {
        id: 'demo',
        retentionDays: 30,
        // Headless Chromium says so in its user agent, and isbot flags it: the stats would leave
        // these test visits out as automated traffic.
        enrichment: { detectBots: false },
        sites: [
          { id: 'landing', writeKey: demoKeys.writeKey, allowedOrigins },
          { id: 'storefront', writeKey: demoKeys.storefrontWriteKey, allowedOrigins },
        ],
        secretKeys: [
          { key: demoKeys.secretKey, role: 'owner' },
          { key: demoKeys.viewerKey, role: 'viewer' },
        ],
        ...options.tenant,
      },
    ],
  }
  const configPath = join(dataDir, 'rastro.config.json')
  writeFileSync(configPath, JSON.stringify(config))
  const app = await createServer({
    config: loadConfig({
      configPath,
      env: {},
      flags: {
        dataDir,
        port,
        host: '127.0.0.1',
        examplesDir,
        flushIntervalMs: 50,
        logLevel: 'warn',
        ...options.settings,
      },
    }),
  })
  await app.listen({ port, host: '127.0.0.1' })
  return {
    origin,
    app,
    async rows(query, params = {}) {
      const result = await app.store.client.query({ query, query_params: params, format: 'JSONEachRow' })
      return result.json()
    },
    async stop() {
      // Within the hooks' 60 s, so a stop that hangs fails as itself; the collector's own
      // "shutdown: still closing" warnings name the part it waits on.
      let timer: NodeJS.Timeout | undefined
      await Promise.race([
        app.close(),
        new Promise((_resolve, reject) => {
          timer = setTimeout(() => reject(new Error('the collector did not stop within 30 s')), 30_000)
        }),
      ]).finally(() => clearTimeout(timer))
      rmSync(dataDir, { recursive: true, force: true })
    },
  }
}

/** Polls `check` every 100 ms until it returns a value or `timeoutMs` passes (then throws its last error). */
export async function waitFor<T>(check: () => Promise<T | undefined>, timeoutMs = 10_000): Promise<T> {
  const deadline = Date.now() + timeoutMs
  let lastError: unknown
  while (Date.now() < deadline) {
    try {
      const value = await check()
      if (value !== undefined) return value
    } catch (error) {
      lastError = error
    }
    await new Promise((resolve) => setTimeout(resolve, 100))
  }
  throw lastError ?? new Error(`condition not met within ${timeoutMs} ms`)
}
