/**
 * The authenticated caller and its tenant-bound query layer, kept on the request under a Symbol
 * (private to the CRM, as fastify-rate-limit keeps its state).
 */
import type { FastifyRequest } from 'fastify'
import type { CrmAuth } from '../auth/crm-auth.js'
import type { TenantDb } from '../db/tenant-db.js'

export const kRequestScope: unique symbol = Symbol('rastro.crm.requestScope')

export interface RequestScopeValue {
  auth: CrmAuth
  db: TenantDb
}

declare module 'fastify' {
  interface FastifyRequest {
    [kRequestScope]: RequestScopeValue | null
  }
}

/** The caller of an authenticated CRM request. @throws Error when authentication has not run (a bug). */
export function getRequestScope(request: FastifyRequest): RequestScopeValue {
  const scope = request[kRequestScope]
  if (!scope) throw new Error('CRM request used before authentication')
  return scope
}
