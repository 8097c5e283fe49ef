/**
 * Ids of cookieless visitors: the anonymous id is HMAC-SHA256(daily salt, tenant, site, IP,
 * user agent), so it is stable for a visitor within a UTC day and unlinkable across days once the
 * day's salt is gone (see `visitor-salt.ts`); the session id is the visitor id plus the start of
 * a session that ends after `sessionTimeoutMs` without events, kept in memory (a restart starts
 * new sessions).
 */
import { createHmac } from 'node:crypto'
import { LRUCache } from 'lru-cache'

/**
 * The secret salt of a UTC day: `visitor-salt.ts` (one collector, kept in its data dir) or
 * `shared-visitor-salt.ts` (a fleet on a ClickHouse server).
 */
export interface DailySalt {
  /** The salt of the UTC day of `ms` (epoch ms). Never throws. */
  get(ms: number): Buffer
}

export interface VisitorIdsOptions {
  salt: DailySalt
  /** Inactivity after which a visitor's next event starts a new session (ms); the browser SDK's default. */
  sessionTimeoutMs?: number
  /** Most visitors whose session is remembered; past it the least recently seen is forgotten. */
  maxSessions?: number
}

/** Who sent a cookieless event. */
export interface VisitorKey {
  tenantId: string
  siteId: string
  /** The client's IP as received (not anonymised: the hash is what is stored). */
  ip: string
  userAgent: string
}

interface Session {
  id: string
  lastMs: number
}

/** Prefix of derived anonymous ids, so they are told apart from SDK-made ones. */
export const COOKIELESS_ID_PREFIX = 'cl_'

export class VisitorIds {
  readonly #salt: DailySalt
  readonly #timeoutMs: number
  /** Sessions by anonymous id, least recently seen evicted first. */
  readonly #sessions: LRUCache<string, Session>

  constructor(options: VisitorIdsOptions) {
    this.#salt = options.salt
    this.#timeoutMs = options.sessionTimeoutMs ?? 30 * 60_000
    this.#sessions = new LRUCache({ max: options.maxSessions ?? 100_000 })
  }

  /**
   * The anonymous id of `visitor` on the UTC day of `ms` (epoch ms): `cl_` + 22 base64url
   * characters (128 bits of the HMAC).
   */
  getAnonymousId(visitor: VisitorKey, ms: number): string {
    const hmac = createHmac('sha256', this.#salt.get(ms))
    hmac.update(`${visitor.tenantId}\n${visitor.siteId}\n${visitor.ip}\n${visitor.userAgent}`)
    return COOKIELESS_ID_PREFIX + hmac.digest().subarray(0, 16).toString('base64url')
  }

  /** The session of `anonymousId` at `ms`: the current one, or a new one after the timeout. */
  getSessionId(anonymousId: string, ms: number): string {
    let session = this.#sessions.get(anonymousId)
    if (!session || ms - session.lastMs > this.#timeoutMs) {
      session = { id: `${anonymousId}.${ms.toString(36)}`, lastMs: ms }
      this.#sessions.set(anonymousId, session)
    }
    session.lastMs = Math.max(session.lastMs, ms)
    return session.id
  }
}
