/**
 * `Idempotency-Key` on writes (draft-ietf-httpapi-idempotency-key-header-07): the first answer
 * to a key is stored for 24 h and replayed, with `Idempotent-Replayed: true`, to a retry carrying
 * the same key and the same request; the same key with another request answers 422, and while the
 * first is still running 409. Keys are scoped to the API key that sent them. Server errors (5xx)
 * and 429 are not stored, so a retry runs again.
 */
import { createHash } from 'node:crypto'
import type { FastifyReply, FastifyRequest } from 'fastify'
import { toClickHouseTime } from '../db/clickhouse-time.js'
import type { TenantDb } from '../db/tenant-db.js'
import { createCrmError } from '../errors.js'

const WRITE_METHODS = new Set(['POST', 'PUT', 'PATCH', 'DELETE'])
const KEY_PATTERN = /^[\x21-\x7e]{1,255}$/

interface Pending {
  db: TenantDb
  key: string
  requestSha256: string
  inFlightKey: string
}

interface StoredRow {
  request_sha256: string
  status: number | string
  body: string
}

export interface Idempotency {
  /**
   * Before a write runs: replays a stored answer (and returns true), refuses a conflicting key,
   * or remembers the key so {@link Idempotency.onSend} stores the answer.
   */
  onRequest(request: FastifyRequest, reply: FastifyReply, db: TenantDb, keyId: string): Promise<boolean>
  /** After the answer is serialised: stores it for the key, if any. */
  onSend(request: FastifyRequest, reply: FastifyReply, payload: unknown): Promise<void>
  /** Forgets the in-flight mark (also after aborted requests). */
  onResponse(request: FastifyRequest): void
}

export function createIdempotency(): Idempotency {
  const inFlight = new Set<string>()
  const pending = new WeakMap<FastifyRequest, Pending>()

  return {
    async onRequest(request, reply, db, keyId) {
      const header = request.headers['idempotency-key']
      if (header === undefined || !WRITE_METHODS.has(request.method)) return false
      if (typeof header !== 'string' || !KEY_PATTERN.test(header)) {
        throw createCrmError('RASTRO_ERR_CRM_INVALID_INPUT', {
          message: 'Idempotency-Key must be 1-255 visible ASCII characters',
          field: 'Idempotency-Key',
        })
      }
      const key = `${keyId}:${header}`
      const inFlightKey = `${db.tenantId}\n${key}`
      if (inFlight.has(inFlightKey)) throw createCrmError('RASTRO_ERR_CRM_IDEMPOTENCY_IN_PROGRESS')
      const body = typeof request.body === 'string' ? request.body : JSON.stringify(request.body ?? null)
      const requestSha256 = createHash('sha256')
        .update(`${request.method} ${request.url}\n${body}`)
        .digest('hex')
      inFlight.add(inFlightKey)
      let stored: StoredRow | undefined
      try {
        ;[stored] = await db.rows<StoredRow>(
          `SELECT request_sha256, status, body FROM crm_idempotency FINAL
           WHERE tenant_id = {tenant:String} AND key = {key:String}`,
          { key },
        )
      } catch (error) {
        inFlight.delete(inFlightKey)
        throw error
      }
      if (stored) {
        inFlight.delete(inFlightKey)
        if (stored.request_sha256 !== requestSha256)
          throw createCrmError('RASTRO_ERR_CRM_IDEMPOTENCY_MISMATCH')
        const status = Number(stored.status)
        reply.code(status).header('idempotent-replayed', 'true')
        if (stored.body !== '')
          reply.type(status >= 400 ? 'application/problem+json' : 'application/json; charset=utf-8')
        reply.send(stored.body === '' ? undefined : stored.body)
        return true
      }
      pending.set(request, { db, key, requestSha256, inFlightKey })
      return false
    },

    async onSend(request, reply, payload) {
      const entry = pending.get(request)
      if (!entry) return
      pending.delete(request)
      try {
        const status = reply.statusCode
        // A 204 has no payload; a stream (none of our answers) cannot be kept.
        const body = typeof payload === 'string' ? payload : payload == null ? '' : undefined
        if (status >= 500 || status === 429 || body === undefined) return
        await entry.db.insert('crm_idempotency', [
          {
            key: entry.key,
            request_sha256: entry.requestSha256,
            status,
            body,
            created_at: toClickHouseTime(Date.now()),
          },
        ])
      } finally {
        inFlight.delete(entry.inFlightKey)
      }
    },

    onResponse(request) {
      const entry = pending.get(request)
      if (entry) {
        pending.delete(request)
        inFlight.delete(entry.inFlightKey)
      }
    },
  }
}
