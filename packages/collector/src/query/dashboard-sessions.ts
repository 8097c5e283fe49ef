/**
 * Sessions of the built-in dashboard (`/app/`): signing in with a secret key gives the browser an
 * opaque, random session id in an httpOnly, SameSite=Strict cookie; the key itself stays on the
 * server side only as the tenant and role it resolved to, so the page never holds it. Sessions live
 * in this process's memory: a restart signs everyone out, and collectors behind a load balancer
 * need sticky sessions (or a sign-in per collector).
 */
import { createHash, randomBytes } from 'node:crypto'
import type { FastifyRequest } from 'fastify'
import type { SecretKeyRef } from '../config/key-ring.js'

/** The session cookie's name. */
export const SESSION_COOKIE = 'rastro_session'

/** Who a dashboard session belongs to: the secret key's tenant and role, and the key's SHA-256. */
export interface DashboardSession extends SecretKeyRef {
  /** SHA-256 (hex) of the key signed in with: rate limits and audit ids match the key's own. */
  keySha256: string
  /** When the session ends (epoch ms). */
  expiresAtMs: number
}

export interface DashboardSessionsOptions {
  /** How long a session lasts after sign-in (ms; default 12 h). */
  ttlMs?: number
  /** Sessions kept at most; the oldest goes first (default 10,000). */
  maxSessions?: number
  /** Clock (epoch ms; default `Date.now`). */
  now?: () => number
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

export class DashboardSessions {
  readonly #sessions = new Map<string, DashboardSession>()
  readonly #ttlMs: number
  readonly #maxSessions: number
  readonly #now: () => number

  constructor(options: DashboardSessionsOptions = {}) {
    this.#ttlMs = options.ttlMs ?? 12 * 3_600_000
    this.#maxSessions = options.maxSessions ?? 10_000
    this.#now = options.now ?? Date.now
  }

  /** How long a session lasts (ms), for the cookie's Max-Age. */
  get ttlMs(): number {
    return this.#ttlMs
  }

  /** Starts a session for a key the key ring resolved. @returns its id (256 random bits, base64url). */
  create(key: SecretKeyRef, clearKey: string): string {
    if (this.#sessions.size >= this.#maxSessions) {
      const oldest = this.#sessions.keys().next().value
      if (oldest !== undefined) this.#sessions.delete(oldest)
    }
    const id = randomBytes(32).toString('base64url')
    this.#sessions.set(id, {
      tenantId: key.tenantId,
      role: key.role,
      name: key.name,
      keySha256: createHash('sha256').update(clearKey).digest('hex'),
      expiresAtMs: this.#now() + this.#ttlMs,
    })
    return id
  }

  /** The live session of an id, or undefined (unknown or expired; an expired one is forgotten). */
  find(id: string | undefined): DashboardSession | undefined {
    if (!id) return undefined
    const session = this.#sessions.get(id)
    if (!session) return undefined
    if (session.expiresAtMs <= this.#now()) {
      this.#sessions.delete(id)
      return undefined
    }
    return session
  }

  /** Ends a session (sign out). */
  delete(id: string | undefined): void {
    if (id) this.#sessions.delete(id)
  }

  /**
   * The session a request's cookie carries, when the request may use it: a write (anything but
   * GET/HEAD) from a page of another origin does not, whatever the browser sent (SameSite=Strict
   * already keeps the cookie off cross-site requests; this also covers same-site, cross-origin pages).
   */
  findForRequest(request: FastifyRequest): DashboardSession | undefined {
    const session = this.find(getCookie(request.headers.cookie, SESSION_COOKIE))
    if (!session) return undefined
    if (request.method !== 'GET' && request.method !== 'HEAD') {
      const origin = request.headers.origin
      if (origin !== undefined && origin !== `${request.protocol}://${request.host}`) return undefined
    }
    return session
  }
}
