/**
 * Dashboard sessions live in ClickHouse, the one thing collectors share: over real HTTP, a session
 * made on one collector is accepted by a second collector on the same ClickHouse (as behind a load
 * balancer, no sticky sessions), sign-out on either ends it on both, a restart keeps it, removing
 * the secret key from the config ends it, and an expired one is refused. The collectors run with
 * `dashboardSessionCacheMs: 0` so every call reads ClickHouse (the cache's lifetime is tested in
 * internals/dashboard-sessions.test.ts with a clock).
 */
import { createHash, randomBytes } from 'node:crypto'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createStore, type ConfigFile } from '../src/index.js'
import { toClickHouseTime } from '../src/ingest/event-row.js'
import { keys, startCollector, testConfig, type RunningCollector } from './helpers/start-collector.js'

const settings = { dashboardSessionCacheMs: 0 }

async function signIn(
  collector: RunningCollector,
  key: string,
): Promise<{ cookie: string; setCookie: string }> {
  const response = await fetch(`${collector.url}/app/api/session`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ key }),
  })
  expect(response.status).toBe(200)
  const setCookie = response.headers.get('set-cookie')!
  return { cookie: setCookie.split(';')[0]!, setCookie }
}

/** The status of a dashboard API call with the cookie, and of the session route. */
async function statusWith(collector: RunningCollector, cookie: string): Promise<[number, number]> {
  const [overview, session] = await Promise.all(
    ['/v1/analytics/overview', '/app/api/session'].map((path) =>
      fetch(`${collector.url}${path}`, { headers: { cookie } }),
    ),
  )
  return [overview!.status, session!.status]
}

async function signOut(collector: RunningCollector, cookie: string): Promise<void> {
  const response = await fetch(`${collector.url}/app/api/session`, { method: 'DELETE', headers: { cookie } })
  expect(response.status).toBe(204)
}

describe('dashboard sessions shared through ClickHouse', () => {
  let first: RunningCollector
  let second: RunningCollector

  beforeAll(async () => {
    first = await startCollector({ settings })
    // Its own data dir (log, salt), the first collector's ClickHouse.
    second = await startCollector({ settings, store: createStore({ dataDir: first.dataDir }) })
  })

  afterAll(async () => {
    await second?.stop()
    await first?.stop()
  })

  it('accepts on one collector the session made on another, and signs out on both', async () => {
    const { cookie, setCookie } = await signIn(first, keys.secretKey)
    expect(setCookie).toMatch(/^rastro_session=[\w-]{43}; Path=\/; HttpOnly; SameSite=Strict; Max-Age=43200$/)
    expect(await statusWith(second, cookie)).toEqual([200, 200])
    const crm = await fetch(`${second.url}/v1/crm/contacts`, { headers: { cookie } })
    expect(crm.status).toBe(200)
    await signOut(second, cookie)
    expect(await statusWith(first, cookie)).toEqual([401, 401])
    expect(await statusWith(second, cookie)).toEqual([401, 401])
  })

  it('keeps the ClickHouse row under the token’s SHA-256, never the token or the key', async () => {
    const { cookie } = await signIn(second, keys.viewerKey)
    const token = cookie.slice('rastro_session='.length)
    const result = await first.app.store.client.query({
      query: 'SELECT * FROM dashboard_sessions FINAL WHERE token_sha256 = {sha:String}',
      query_params: { sha: createHash('sha256').update(token).digest('hex') },
      format: 'JSONEachRow',
    })
    const rows = await result.json<Record<string, string>>()
    expect(rows).toHaveLength(1)
    expect(rows[0]).toMatchObject({ tenant_id: 'one', role: 'viewer' })
    expect(JSON.stringify(rows)).not.toContain(token)
    expect(JSON.stringify(rows)).not.toContain(keys.viewerKey)
  })

  it('refuses an expired session', async () => {
    // A session row written as sign-in writes it, one expired a second ago and one still live.
    const row = (token: string, expiresAtMs: number) => ({
      token_sha256: createHash('sha256').update(token).digest('hex'),
      tenant_id: 'one',
      role: 'owner',
      key_name: '',
      key_sha256: createHash('sha256').update(keys.secretKey).digest('hex'),
      created_at: toClickHouseTime(expiresAtMs - 60_000),
      expires_at: toClickHouseTime(expiresAtMs),
      version: 1,
      is_deleted: 0,
    })
    const expired = randomBytes(32).toString('base64url')
    const live = randomBytes(32).toString('base64url')
    await first.app.store.client.insert({
      table: 'dashboard_sessions',
      values: [row(expired, Date.now() - 1000), row(live, Date.now() + 60_000)],
      format: 'JSONEachRow',
    })
    expect(await statusWith(second, `rastro_session=${live}`)).toEqual([200, 200])
    expect(await statusWith(second, `rastro_session=${expired}`)).toEqual([401, 401])
  })
})

describe('dashboard sessions across a restart', () => {
  let collector: RunningCollector

  afterAll(async () => {
    await collector?.stop()
  })

  it('survive a restart, and end when their key leaves the config', async () => {
    collector = await startCollector({ settings: { ...settings, dashboardSessionTtlMs: 3_600_000 } })
    const owner = await signIn(collector, keys.secretKey)
    expect(owner.setCookie).toContain('Max-Age=3600')
    const viewer = await signIn(collector, keys.viewerKey)
    const { dataDir } = collector
    await collector.stop({ keepData: true })

    collector = await startCollector({ settings, dataDir })
    expect(await statusWith(collector, owner.cookie)).toEqual([200, 200])
    expect(await statusWith(collector, viewer.cookie)).toEqual([200, 200])
    await collector.stop({ keepData: true })

    // The viewer key is removed from the config (revoked); the owner key stays.
    const [one, two] = testConfig.tenants
    const config: ConfigFile = {
      ...testConfig,
      tenants: [{ ...one!, secretKeys: one!.secretKeys!.filter((key) => key.key !== keys.viewerKey) }, two!],
    }
    collector = await startCollector({ settings, dataDir, config })
    expect(await statusWith(collector, viewer.cookie)).toEqual([401, 401])
    expect(await statusWith(collector, owner.cookie)).toEqual([200, 200])
  })
})
