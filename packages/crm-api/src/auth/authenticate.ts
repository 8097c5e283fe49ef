/**
 * Authenticates a CRM request from `Authorization: Bearer <key>`: a secret key of the collector's
 * config (through the injected {@link KeyResolver}, its role mapped to scopes) or a key made
 * through the CRM. Anything else is refused before any data is read.
 */
import type { FastifyRequest } from 'fastify'
import { createCrmError } from '../errors.js'
import type { CrmAuth, KeyResolver } from './crm-auth.js'
import { hashSecret, type KeyStore } from './create-key-store.js'
import { ROLE_SCOPES } from './scopes.js'

/**
 * @throws CrmError `RASTRO_ERR_AUTH_MISSING_KEY` (no Bearer key), `RASTRO_ERR_AUTH_INVALID_KEY` (unknown key).
 */
export async function authenticate(
  request: FastifyRequest,
  resolveKey: KeyResolver | undefined,
  keyStore: KeyStore,
): Promise<CrmAuth> {
  const header = request.headers.authorization
  const match = header ? /^Bearer\s+(\S+)$/i.exec(header) : null
  if (!match) {
    throw createCrmError('RASTRO_ERR_AUTH_MISSING_KEY', {
      message: 'send a secret key as "Authorization: Bearer <key>"',
      field: 'Authorization',
    })
  }
  const key = match[1]!
  const configured = resolveKey?.(key)
  if (configured) {
    const keyId = `config:${hashSecret(key).slice(0, 12)}`
    return {
      tenantId: configured.tenantId,
      scopes: new Set(ROLE_SCOPES[configured.role]),
      keyId,
      actor: configured.name ?? keyId,
    }
  }
  const made = await keyStore.find(key)
  if (!made)
    throw createCrmError('RASTRO_ERR_AUTH_INVALID_KEY', { message: 'unknown key', field: 'Authorization' })
  return made
}
