/**
 * DashboardSessions on the real embedded ClickHouse: what a session row holds, expiry, the cache
 * (its lifetime and its bound, seen from a second instance on the same ClickHouse), keys removed
 * from the config, and the origin rule for writes. Clocks are injected; nothing sleeps.
 */
import { createHash } from 'node:crypto'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { FastifyRequest } from 'fastify'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { KeyRing } from '../../src/config/key-ring.js'
import type { TenantConfig } from '../../src/config/config-schema.js'
import { acceptsSession } from '../../src/query/dashboard-routes.js'
import { DashboardSessions, getCookie } from '../../src/query/dashboard-sessions.js'
import { createStore, type Store } from '../../src/store/create-store-client.js'
import { runMigrations } from '../../src/store/run-migrations.js'

const ownerKey = 'sk_secret_owner_0123456789'
const viewerKey = 'sk_secret_viewer_0123456789'
const owner = { tenantId: 'one', role: 'owner' as const, name: 'backend' }
const viewer = { tenantId: 'one', role: 'viewer' as const, name: undefined }

function keyRingOf(secretKeys: { key: string; role: 'owner' | 'viewer'; name?: string }[]): KeyRing {
  return new KeyRing([{ id: 'one', sites: [], secretKeys } as unknown as TenantConfig], undefined)
}
const bothKeys = keyRingOf([
  { key: ownerKey, role: 'owner', name: 'backend' },
  { key: viewerKey, role: 'viewer' },
])

function requestWith(token: string, method = 'GET', origin?: string): FastifyRequest {
  return {
    method,
    protocol: 'http',
    host: 'collector.example',
    headers: { cookie: `other=1; rastro_session=${token}`, ...(origin ? { origin } : {}) },
  } as unknown as FastifyRequest
}

const sha256 = (text: string) => createHash('sha256').update(text).digest('hex')

let dataDir: string
let store: Store

beforeAll(async () => {
  dataDir = mkdtempSync(join(tmpdir(), 'rastro-sessions-'))
  store = createStore({ dataDir })
  await runMigrations(store.client)
})

afterAll(async () => {
  await store?.client.close()
  rmSync(dataDir, { recursive: true, force: true })
})

describe('DashboardSessions', () => {
  it('stores a session under the SHA-256 of a random token, never the token or the key', async () => {
    const sessions = new DashboardSessions({ client: store.client, keyRing: bothKeys })
    const { token, session } = await sessions.create(owner, ownerKey)
    expect(token).toMatch(/^[\w-]{43}$/)
    expect((await sessions.create(owner, ownerKey)).token).not.toBe(token)
    expect(session).toMatchObject({ ...owner, keySha256: sha256(ownerKey) })
    const result = await store.client.query({
      query: 'SELECT * FROM dashboard_sessions FINAL WHERE token_sha256 = {sha:String}',
      query_params: { sha: sha256(token) },
      format: 'JSONEachRow',
    })
    const rows = await result.json<Record<string, unknown>>()
    expect(rows).toEqual([
      expect.objectContaining({
        tenant_id: 'one',
        role: 'owner',
        key_name: 'backend',
        key_sha256: sha256(ownerKey),
      }),
    ])
    expect(JSON.stringify(rows)).not.toContain(token)
    expect(JSON.stringify(rows)).not.toContain(ownerKey)
    // Another instance (no cache of it) reads the same session from ClickHouse.
    const other = new DashboardSessions({ client: store.client, keyRing: bothKeys })
    expect(await other.find(token)).toEqual(session)
  })

  it('ends a session at its expiry, cached or not', async () => {
    let now = Date.now()
    const clock = () => now
    const sessions = new DashboardSessions({
      client: store.client,
      keyRing: bothKeys,
      ttlMs: 60_000,
      now: clock,
    })
    const other = new DashboardSessions({ client: store.client, keyRing: bothKeys, cacheMs: 0, now: clock })
    const { token } = await sessions.create(viewer, viewerKey)
    now += 59_999
    expect(await sessions.find(token)).toBeDefined()
    expect(await other.find(token)).toBeDefined()
    now += 1
    expect(await sessions.find(token)).toBeUndefined()
    expect(await other.find(token)).toBeUndefined()
  })

  it('signs out everywhere: at once where it happens, on other instances once their cache entry is past', async () => {
    let now = Date.now()
    const clock = () => now
    const a = new DashboardSessions({ client: store.client, keyRing: bothKeys, cacheMs: 5_000, now: clock })
    const b = new DashboardSessions({ client: store.client, keyRing: bothKeys, cacheMs: 5_000, now: clock })
    const { token } = await a.create(owner, ownerKey)
    expect(await b.find(token)).toBeDefined()
    await a.delete(token)
    expect(await a.find(token)).toBeUndefined()
    now += 4_999
    expect(await b.find(token)).toBeDefined()
    now += 1
    expect(await b.find(token)).toBeUndefined()
    // Signing out an unknown or malformed token changes nothing.
    await expect(a.delete('x'.repeat(43))).resolves.toBeUndefined()
    await expect(a.delete('not a token')).resolves.toBeUndefined()
  })

  it('keeps at most maxCached sessions in its cache, dropping the oldest', async () => {
    const a = new DashboardSessions({ client: store.client, keyRing: bothKeys })
    const b = new DashboardSessions({ client: store.client, keyRing: bothKeys, maxCached: 2 })
    const tokens = []
    for (let i = 0; i < 3; i++) tokens.push((await a.create(owner, ownerKey)).token)
    for (const token of tokens) expect(await b.find(token)).toBeDefined()
    for (const token of tokens) await a.delete(token)
    // b read the third session last: the first was dropped from its cache, the third is still trusted.
    expect(await b.find(tokens[0])).toBeUndefined()
    expect(await b.find(tokens[2])).toBeDefined()
  })

  it('ends the sessions of a key no longer in the config, and takes the role the config gives now', async () => {
    const sessions = new DashboardSessions({ client: store.client, keyRing: bothKeys })
    const ownerSession = (await sessions.create(owner, ownerKey)).token
    const viewerSession = (await sessions.create(viewer, viewerKey)).token
    const restarted = new DashboardSessions({
      client: store.client,
      keyRing: keyRingOf([{ key: viewerKey, role: 'owner', name: 'promoted' }]),
    })
    expect(await restarted.find(ownerSession)).toBeUndefined()
    expect(await restarted.find(viewerSession)).toMatchObject({ role: 'owner', name: 'promoted' })
  })

  it('lets a write use the cookie only from its own origin (or without an Origin header)', async () => {
    const sessions = new DashboardSessions({ client: store.client, keyRing: bothKeys })
    const { token } = await sessions.create(owner, ownerKey)
    expect(await sessions.findForRequest(requestWith(token))).toBeDefined()
    expect(await sessions.findForRequest(requestWith(token, 'GET', 'https://evil.example'))).toBeDefined()
    expect(
      await sessions.findForRequest(requestWith(token, 'PATCH', 'http://collector.example')),
    ).toBeDefined()
    expect(await sessions.findForRequest(requestWith(token, 'PATCH'))).toBeDefined()
    expect(await sessions.findForRequest(requestWith(token, 'POST', 'https://evil.example'))).toBeUndefined()
    expect(await sessions.findForRequest(requestWith('not-a-session'))).toBeUndefined()
  })

  it('answers 503 (STORE_UNAVAILABLE) when ClickHouse cannot be read, and tries again on the next call', async () => {
    // A ClickHouse server that is not there (nothing listens on port 1).
    const down = createStore({ url: 'http://127.0.0.1:1', dataDir })
    const sessions = new DashboardSessions({ client: down.client, keyRing: bothKeys })
    const token = 'a'.repeat(43)
    for (let i = 0; i < 2; i++) {
      await expect(sessions.find(token)).rejects.toMatchObject({
        code: 'RASTRO_ERR_STORE_UNAVAILABLE',
        statusCode: 503,
      })
    }
    await expect(sessions.create(owner, ownerKey)).rejects.toMatchObject({
      code: 'RASTRO_ERR_STORE_UNAVAILABLE',
    })
    await down.client.close()
  })
})

describe('getCookie', () => {
  it('reads one cookie of a Cookie header', () => {
    expect(getCookie('a=1; rastro_session=xyz; b=2', 'rastro_session')).toBe('xyz')
    expect(getCookie('xrastro_session=no', 'rastro_session')).toBeUndefined()
    expect(getCookie(undefined, 'rastro_session')).toBeUndefined()
  })
})

describe('acceptsSession', () => {
  it('looks the cookie up on the APIs the dashboard calls only, never on ingest', () => {
    for (const url of [
      '/app/api/session',
      '/v1/analytics/overview?from=2026-11-01T00:00:00Z',
      '/v1/stats',
      '/v1/heatmaps?url=x',
      '/v1/destinations/orders/replay',
      '/v1/crm/contacts',
    ])
      expect(acceptsSession(url), url).toBe(true)
    for (const url of ['/v1/batch', '/v1/track', '/v1/device', '/rastro.js', '/app/', '/v1/crmx', '/health'])
      expect(acceptsSession(url), url).toBe(false)
  })
})
