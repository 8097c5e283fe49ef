/** Who is calling: the result of authenticating a request's key. */
import type { FastifyRequest } from 'fastify'
import type { Role, Scope } from './scopes.js'

/** The caller of a CRM request. The tenant comes from the key, never from the request. */
export interface CrmAuth {
  tenantId: string
  scopes: ReadonlySet<Scope>
  /** Stable id of the key, for rate limits and the audit log (`config:<sha-prefix>` or a CRM key id). */
  keyId: string
  /** Name written to the audit log: the key's name, else its id. */
  actor: string
}

/** A secret key from the collector's config, as its key ring resolves it. */
export interface ResolvedKey {
  tenantId: string
  role: Role
  name?: string | undefined
}

/**
 * Resolves a clear secret key to its tenant and role, or undefined when unknown. The collector
 * passes `(key) => keyRing.findSecretKey(key)`; the CRM never reads the collector's config itself.
 */
export type KeyResolver = (key: string) => ResolvedKey | undefined

/**
 * Resolves a request that carries no `Authorization` header to the configured key it stands for,
 * e.g. the collector's dashboard session cookie, or undefined. `keySha256` (hex) keeps the rate
 * limit and the audit log's key id the same as the key's own.
 */
export type SessionResolver = (request: FastifyRequest) => (ResolvedKey & { keySha256: string }) | undefined
