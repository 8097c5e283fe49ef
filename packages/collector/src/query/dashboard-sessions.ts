/**
 * Sessions of the built-in dashboard (`/app/`): signing in with a secret key gives the browser an
 * opaque, random token in an httpOnly, SameSite=Strict cookie, and the session is a row of
 * `dashboard_sessions` in ClickHouse keyed by the token's SHA-256 (never the token, never the key).
 * Collectors share nothing but ClickHouse, so a session survives a restart and every collector on
 * the same ClickHouse accepts it, with no sticky sessions at the load balancer. A short in-process
 * cache spares ClickHouse a read per API call: a sign-out ends the session at once on the
 * collector that signed out, and on the others within `cacheMs`.
 */
import { createHash, randomBytes } from 'node:crypto'
import type { ClickHouseClient, ClickHouseSettings } from '@clickhouse/client'
import type { FastifyRequest } from 'fastify'
import { LRUCache } from 'lru-cache'
import type { KeyRing, SecretKeyRef } from '../config/key-ring.js'
import { createError } from '../errors.js'
import { toClickHouseTime } from '../ingest/event-row.js'

/** The session cookie's name. */
export const SESSION_COOKIE = 'rastro_session'

/** A session token: 256 random bits in base64url (RFC 4648 §5), 43 characters. */
const TOKEN = /^[A-Za-z0-9_-]{43}$/

/** Who a dashboard session belongs to: the secret key's tenant and role, and the key's SHA-256. */
export interface DashboardSession extends SecretKeyRef {
  /** SHA-256 (hex) of the key signed in with: rate limits and audit ids match the key's own. */
  keySha256: string
  /** When the session ends (epoch ms). */
  expiresAtMs: number
}

export interface DashboardSessionsOptions {
  /** The ClickHouse every collector of the deployment shares (`dashboard_sessions` table). */
  client: ClickHouseClient
  /** The config's keys: a session whose key is no longer there is refused. */
  keyRing: KeyRing
  /** Settings of the inserts (on a cluster: `insert_distributed_sync`, so other collectors see the row). */
  insertSettings?: ClickHouseSettings | undefined
  /** How long a session lasts after sign-in (ms; default 12 h). */
  ttlMs?: number
  /** How long a session read from ClickHouse (or found missing) is trusted without reading again (ms; default 5 s; 0: no cache). */
  cacheMs?: number
  /** Sessions cached at most; past it the oldest entry goes (default 10,000). */
  maxCached?: number
  /** Clock (epoch ms; default `Date.now`). */
  now?: () => number
}

/** What `dashboard_sessions` holds about a session (the role and key name come from the key ring). */
interface StoredSession {
  tenantId: string
  keySha256: string
  expiresAtMs: number
}

interface SessionRow {
  tenant_id: string
  key_sha256: string
  expires_at_ms: string | number
}

/** A cache entry: the lookup (shared by concurrent requests) and until when it is trusted (epoch ms). */
interface Cached {
  lookup: Promise<StoredSession | undefined>
  untilMs: number
}

/** Reads one cookie from a `Cookie` header (RFC 6265 §5.4), or undefined. */
export function getCookie(header: string | undefined, name: string): string | undefined {
  if (!header) return undefined
  for (const part of header.split(';')) {
    const eq = part.indexOf('=')
    if (eq > 0 && part.slice(0, eq).trim() === name) return part.slice(eq + 1).trim()
  }
  return undefined
}

const sha256 = (text: string) => createHash('sha256').update(text).digest('hex')

/**
 * Creates, finds and ends dashboard sessions in `dashboard_sessions`; one per collector, every
 * instance on the same ClickHouse sees the others' sessions.
 */
export class DashboardSessions {
  readonly #client: ClickHouseClient
  readonly #keyRing: KeyRing
  readonly #insertSettings: ClickHouseSettings | undefined
  readonly #ttlMs: number
  readonly #cacheMs: number
  readonly #now: () => number
  /** By the token's SHA-256. */
  readonly #cache: LRUCache<string, Cached>

  constructor(options: DashboardSessionsOptions) {
    this.#client = options.client
    this.#keyRing = options.keyRing
    this.#insertSettings = options.insertSettings
    this.#ttlMs = options.ttlMs ?? 12 * 3_600_000
    this.#cacheMs = options.cacheMs ?? 5_000
    this.#cache = new LRUCache({ max: options.maxCached ?? 10_000 })
    this.#now = options.now ?? Date.now
  }

  /** How long a session lasts (ms), for the cookie's Max-Age. */
  get ttlMs(): number {
    return this.#ttlMs
  }

  /**
   * Starts a session for a key the key ring resolved, stored in ClickHouse before it answers.
   * @returns its token (256 random bits, base64url) and the session.
   * @throws RastroError `RASTRO_ERR_STORE_UNAVAILABLE` (503) when ClickHouse cannot store it.
   */
  async create(key: SecretKeyRef, clearKey: string): Promise<{ token: string; session: DashboardSession }> {
    const token = randomBytes(32).toString('base64url')
    const createdAtMs = this.#now()
    const stored: StoredSession = {
      tenantId: key.tenantId,
      keySha256: sha256(clearKey),
      expiresAtMs: createdAtMs + this.#ttlMs,
    }
    const tokenSha256 = sha256(token)
    await this.#insert({
      token_sha256: tokenSha256,
      tenant_id: stored.tenantId,
      role: key.role,
      key_name: key.name ?? '',
      key_sha256: stored.keySha256,
      created_at: toClickHouseTime(createdAtMs),
      expires_at: toClickHouseTime(stored.expiresAtMs),
      version: 1,
      is_deleted: 0,
    })
    this.#remember(tokenSha256, Promise.resolve(stored))
    return { token, session: { ...key, keySha256: stored.keySha256, expiresAtMs: stored.expiresAtMs } }
  }

  /**
   * The live session of a token, or undefined: unknown, signed out, expired, or its key is no
   * longer in the config (or belongs to another tenant now). The role and key name are the key's
   * as the config has them now.
   * @throws RastroError `RASTRO_ERR_STORE_UNAVAILABLE` (503) when ClickHouse cannot be read.
   */
  async find(token: string | undefined): Promise<DashboardSession | undefined> {
    if (!token || !TOKEN.test(token)) return undefined
    const tokenSha256 = sha256(token)
    const stored = await this.#lookUp(tokenSha256)
    if (!stored) return undefined
    if (stored.expiresAtMs <= this.#now()) {
      this.#cache.delete(tokenSha256)
      return undefined
    }
    const key = this.#keyRing.findSecretKeyBySha256(stored.keySha256)
    if (!key || key.tenantId !== stored.tenantId) return undefined
    return { ...key, keySha256: stored.keySha256, expiresAtMs: stored.expiresAtMs }
  }

  /**
   * Ends a session (sign out) on every collector: its row is deleted (a tombstone `FINAL` drops)
   * and forgotten here; other collectors stop trusting their cached copy within `cacheMs`. An
   * unknown token changes nothing.
   * @throws RastroError `RASTRO_ERR_STORE_UNAVAILABLE` (503) when ClickHouse cannot be reached.
   */
  async delete(token: string | undefined): Promise<void> {
    if (!token || !TOKEN.test(token)) return
    const tokenSha256 = sha256(token)
    const stored = await this.#lookUp(tokenSha256)
    this.#cache.delete(tokenSha256)
    if (!stored) return
    await this.#insert({
      token_sha256: tokenSha256,
      tenant_id: stored.tenantId,
      role: '',
      key_name: '',
      key_sha256: stored.keySha256,
      created_at: toClickHouseTime(this.#now()),
      expires_at: toClickHouseTime(stored.expiresAtMs),
      version: 2,
      is_deleted: 1,
    })
  }

  /**
   * The session a request's cookie carries, when the request may use it: a write (anything but
   * GET/HEAD) from a page of another origin does not, whatever the browser sent (SameSite=Strict
   * already keeps the cookie off cross-site requests; this also covers same-site, cross-origin pages).
   * @throws RastroError `RASTRO_ERR_STORE_UNAVAILABLE` (503) when ClickHouse cannot be read.
   */
  async findForRequest(request: FastifyRequest): Promise<DashboardSession | undefined> {
    if (request.method !== 'GET' && request.method !== 'HEAD') {
      const origin = request.headers.origin
      if (origin !== undefined && origin !== `${request.protocol}://${request.host}`) return undefined
    }
    return this.find(getCookie(request.headers.cookie, SESSION_COOKIE))
  }

  /** The stored session of a token's SHA-256, from the cache while it is trusted, else from ClickHouse. */
  #lookUp(tokenSha256: string): Promise<StoredSession | undefined> {
    const cached = this.#cache.get(tokenSha256)
    if (cached && cached.untilMs > this.#now()) return cached.lookup
    const lookup = this.#read(tokenSha256)
    this.#remember(tokenSha256, lookup)
    // A failed read is not remembered: the next request tries ClickHouse again.
    lookup.catch(() => {
      if (this.#cache.get(tokenSha256)?.lookup === lookup) this.#cache.delete(tokenSha256)
    })
    return lookup
  }

  #remember(tokenSha256: string, lookup: Promise<StoredSession | undefined>): void {
    this.#cache.delete(tokenSha256)
    if (this.#cacheMs <= 0) return
    this.#cache.set(tokenSha256, { lookup, untilMs: this.#now() + this.#cacheMs })
  }

  async #read(tokenSha256: string): Promise<StoredSession | undefined> {
    let rows: SessionRow[]
    try {
      const result = await this.#client.query({
        query: `SELECT tenant_id, key_sha256, toUnixTimestamp64Milli(expires_at) AS expires_at_ms
          FROM dashboard_sessions FINAL WHERE token_sha256 = {sha:String}`,
        query_params: { sha: tokenSha256 },
        format: 'JSONEachRow',
      })
      rows = await result.json<SessionRow>()
    } catch (error) {
      throw createError('RASTRO_ERR_STORE_UNAVAILABLE', { retryAfterSeconds: 5, cause: error })
    }
    const row = rows[0]
    if (!row) return undefined
    return { tenantId: row.tenant_id, keySha256: row.key_sha256, expiresAtMs: Number(row.expires_at_ms) }
  }

  async #insert(row: Record<string, string | number>): Promise<void> {
    try {
      await this.#client.insert({
        table: 'dashboard_sessions',
        values: [row],
        format: 'JSONEachRow',
        ...(this.#insertSettings ? { clickhouse_settings: this.#insertSettings } : {}),
      })
    } catch (error) {
      throw createError('RASTRO_ERR_STORE_UNAVAILABLE', { retryAfterSeconds: 5, cause: error })
    }
  }
}
