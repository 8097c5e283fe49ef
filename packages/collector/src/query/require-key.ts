/**
 * Bearer-key checks for the read and admin APIs. Secret keys carry a tenant and a role; the
 * tenant of every query comes from the key, never from the request. A request without an
 * `Authorization` header may use the dashboard's session cookie instead (dashboard-routes.ts).
 */
import type { FastifyRequest } from 'fastify'
import type { Role } from '../config/config-schema.js'
import type { KeyRing, SecretKeyRef } from '../config/key-ring.js'
import { createError } from '../errors.js'

const ROLE_RANK: Record<Role, number> = { viewer: 0, editor: 1, owner: 2 }

function getBearerKey(request: FastifyRequest): string {
  const header = request.headers.authorization
  const match = header ? /^Bearer\s+(\S+)$/i.exec(header) : null
  if (!match) {
    throw createError('RASTRO_ERR_AUTH_MISSING_KEY', {
      message: 'send the key as "Authorization: Bearer <key>"',
    })
  }
  return match[1]!
}

/**
 * @returns the tenant and role of the request's secret key (or of its dashboard session).
 * @throws RastroError `RASTRO_ERR_AUTH_MISSING_KEY` / `_INVALID_KEY` (401), `_FORBIDDEN` (403) when
 *   the key's role is below `minimumRole`.
 */
export function requireSecretKey(
  request: FastifyRequest,
  keyRing: KeyRing,
  minimumRole: Role = 'viewer',
): SecretKeyRef {
  const session = request.headers.authorization === undefined ? request.dashboardSession : null
  const key = session ?? keyRing.findSecretKey(getBearerKey(request))
  if (!key) throw createError('RASTRO_ERR_AUTH_INVALID_KEY', { message: 'unknown secret key' })
  if (ROLE_RANK[key.role] < ROLE_RANK[minimumRole]) {
    throw createError('RASTRO_ERR_AUTH_FORBIDDEN', {
      message: `this needs a key with role ${minimumRole} or above`,
    })
  }
  return key
}

/** @throws RastroError 401 unless the request carries the operator's admin key. */
export function requireAdminKey(request: FastifyRequest, keyRing: KeyRing): void {
  if (!keyRing.isAdminKey(getBearerKey(request))) {
    throw createError('RASTRO_ERR_AUTH_INVALID_KEY', { message: 'this needs the admin key' })
  }
}
