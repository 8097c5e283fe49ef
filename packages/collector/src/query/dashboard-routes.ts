/**
 * The dashboard's sign-in: `POST /app/api/session { key }` checks a secret key against the key ring
 * and answers with an httpOnly, SameSite=Strict session cookie (the key never reaches the page's
 * scripts after this request); `GET /app/api/session` says who is signed in and the tenant's display
 * settings (time zone, currency, sites); `DELETE /app/api/session` signs out. Every read and write
 * API the dashboard calls (`/v1/analytics/*`, `/v1/stats`, `/v1/heatmaps`, `/v1/destinations`,
 * `/v1/crm/*`) accepts the cookie in place of `Authorization: Bearer`, with the key's role
 * ({@link acceptsSession}). Sessions are stored in ClickHouse (dashboard-sessions.ts).
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify'
import { z } from 'zod'
import type { TenantConfig } from '../config/config-schema.js'
import type { KeyRing } from '../config/key-ring.js'
import { createError } from '../errors.js'
import type { DashboardSessions } from './dashboard-sessions.js'
import { type DashboardSession, getCookie, SESSION_COOKIE } from './dashboard-sessions.js'

declare module 'fastify' {
  interface FastifyRequest {
    /** The dashboard session the request's cookie carries, when valid for this request. */
    dashboardSession: DashboardSession | null
  }
}

export interface DashboardRoutesOptions {
  tenants: readonly TenantConfig[]
  keyRing: KeyRing
  sessions: DashboardSessions
}

/** Paths of the APIs the dashboard calls, the only ones that read the session cookie. */
const SESSION_PATHS = /^\/(?:app\/api\/|v1\/(?:analytics|stats|heatmaps|destinations|crm)(?:[/?]|$))/

/**
 * Whether a request's path (with its query string) is one of an API that accepts the session
 * cookie: ingest and the other routes never look the session up, so ClickHouse being down never
 * touches them through it.
 */
export function acceptsSession(url: string): boolean {
  return SESSION_PATHS.test(url)
}

const signInSchema = z.strictObject({
  /** A secret key of the tenant (any role). */
  key: z.string().min(1).max(500),
})

function setSessionCookie(
  request: FastifyRequest,
  reply: FastifyReply,
  value: string,
  maxAgeS: number,
): void {
  // Secure only over HTTPS (directly or behind a trusted proxy): browsers drop Secure cookies on http://localhost.
  const secure = request.protocol === 'https' ? '; Secure' : ''
  reply.header(
    'set-cookie',
    `${SESSION_COOKIE}=${value}; Path=/; HttpOnly; SameSite=Strict; Max-Age=${maxAgeS}${secure}`,
  )
}

export async function dashboardRoutes(
  fastify: FastifyInstance,
  options: DashboardRoutesOptions,
): Promise<void> {
  const { keyRing, sessions } = options
  const tenants = new Map(options.tenants.map((tenant) => [tenant.id, tenant]))

  function describe(session: DashboardSession) {
    const tenant = tenants.get(session.tenantId)
    return {
      tenant: {
        id: session.tenantId,
        name: tenant?.name ?? session.tenantId,
        timeZone: tenant?.timeZone ?? 'UTC',
        currency: tenant?.currency ?? 'EUR',
        sites: (tenant?.sites ?? []).map((site) => site.id),
      },
      role: session.role,
      keyName: session.name,
      expiresAt: new Date(session.expiresAtMs).toISOString(),
    }
  }

  fastify.post('/app/api/session', async (request, reply) => {
    const parsed = signInSchema.safeParse(request.body ?? {})
    if (!parsed.success) {
      throw createError('RASTRO_ERR_QUERY_INVALID', {
        message: 'key: a secret key is required',
        field: 'key',
      })
    }
    const key = keyRing.findSecretKey(parsed.data.key)
    if (!key)
      throw createError('RASTRO_ERR_AUTH_INVALID_KEY', { message: 'unknown secret key', field: 'key' })
    await sessions.delete(getCookie(request.headers.cookie, SESSION_COOKIE))
    const { token, session } = await sessions.create(key, parsed.data.key)
    setSessionCookie(request, reply, token, Math.floor(sessions.ttlMs / 1000))
    reply.header('cache-control', 'no-store')
    return describe(session)
  })

  fastify.get('/app/api/session', async (request, reply) => {
    reply.header('cache-control', 'no-store')
    const session = request.dashboardSession
    if (!session) throw createError('RASTRO_ERR_AUTH_MISSING_KEY', { message: 'not signed in' })
    return describe(session)
  })

  fastify.delete('/app/api/session', async (request, reply) => {
    await sessions.delete(getCookie(request.headers.cookie, SESSION_COOKIE))
    setSessionCookie(request, reply, '', 0)
    reply.code(204)
  })
}
