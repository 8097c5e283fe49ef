/**
 * Authenticates a CRM request from `Authorization: Bearer <key>`: a secret key of the collector's
 * config (through the injected {@link KeyResolver}, its role mapped to scopes) or a key made
 * through the CRM; without the header, from the host's session (the injected
 * {@link SessionResolver}: the dashboard's cookie). Anything else is refused before any data is read.
 */
import type { FastifyRequest } from 'fastify'
import { createCrmError } from '../errors.js'
import type { CrmAuth, KeyResolver, ResolvedKey, SessionResolver } from './crm-auth.js'
import { hashSecret, type KeyStore } from './create-key-store.js'
import { ROLE_SCOPES } from './scopes.js'

/**
 * @throws CrmError `RASTRO_ERR_AUTH_MISSING_KEY` (no Bearer key), `RASTRO_ERR_AUTH_INVALID_KEY` (unknown key).
 */
export async function authenticate(
  request: FastifyRequest,
  resolveKey: KeyResolver | undefined,
  keyStore: KeyStore,
  resolveSession?: SessionResolver,
): Promise<CrmAuth> {
  const header = request.headers.authorization
  const session = header === undefined ? resolveSession?.(request) : undefined
  if (session) return toAuth(session, session.keySha256)
  const match = header ? /^Bearer\s+(\S+)$/i.exec(header) : null
  if (!match) {
    throw createCrmError('RASTRO_ERR_AUTH_MISSING_KEY', {
      message: 'send a secret key as "Authorization: Bearer <key>"',
      field: 'Authorization',
    })
  }
  const key = match[1]!
  const configured = resolveKey?.(key)
  if (configured) return toAuth(configured, hashSecret(key))
  const made = await keyStore.find(key)
  if (!made)
    throw createCrmError('RASTRO_ERR_AUTH_INVALID_KEY', { message: 'unknown key', field: 'Authorization' })
  return made
}

/** The caller of a configured key, known by its SHA-256 (hex). */
function toAuth(key: ResolvedKey, keySha256: string): CrmAuth {
  const keyId = `config:${keySha256.slice(0, 12)}`
  return {
    tenantId: key.tenantId,
    scopes: new Set(ROLE_SCOPES[key.role]),
    keyId,
    actor: key.name ?? keyId,
  }
}
