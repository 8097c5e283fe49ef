/**
 * `POST /v1/admin/sql` `{ "query": "SELECT …" }` → `{ "data": [rows] }`: read-only SQL over every
 * tenant for the operator (admin key). ClickHouse enforces read-only (`readonly = 1`), so no
 * statement can change data or settings.
 */
import type { ClickHouseClient } from '@clickhouse/client'
import type { FastifyInstance } from 'fastify'
import type { KeyRing } from '../config/key-ring.js'
import { createError } from '../errors.js'
import { requireAdminKey } from './require-key.js'
import { toQueryError } from './to-query-error.js'

export interface AdminSqlRoutesOptions {
  client: ClickHouseClient
  keyRing: KeyRing
}

/** Longest accepted SQL text (characters). */
const MAX_QUERY_LENGTH = 100_000

export async function adminSqlRoutes(
  fastify: FastifyInstance,
  options: AdminSqlRoutesOptions,
): Promise<void> {
  fastify.post('/v1/admin/sql', async (request) => {
    requireAdminKey(request, options.keyRing)
    const body = request.body as { query?: unknown } | undefined
    const query = body?.query
    if (typeof query !== 'string' || query.trim() === '' || query.length > MAX_QUERY_LENGTH) {
      throw createError('RASTRO_ERR_QUERY_INVALID', {
        message: `query must be a non-empty string of at most ${MAX_QUERY_LENGTH} characters`,
        field: 'query',
      })
    }
    try {
      const result = await options.client.query({
        query,
        format: 'JSONEachRow',
        clickhouse_settings: { readonly: '1' },
      })
      return { data: await result.json() }
    } catch (error) {
      throw toQueryError(error)
    }
  })
}
