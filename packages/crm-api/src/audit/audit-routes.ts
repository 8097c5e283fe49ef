/** `GET /audit`: the tenant's audit log, newest first (`crm:admin`). */
import { z } from 'zod'
import { toIsoTime } from '../db/clickhouse-time.js'
import { decodeCursor, pageQuerySchema, pagingSchema, toPage } from '../http/cursor.js'
import type { Router } from '../http/create-router.js'

export function addAuditRoutes(router: Router): void {
  router.add({
    method: 'GET',
    url: '/audit',
    scope: 'crm:admin',
    tag: 'audit',
    summary: 'Every CRM write: who, what, on which record, when',
    query: pageQuerySchema.extend({ objectId: z.string().max(100).optional() }),
    response: z.object({
      results: z.array(
        z.object({
          id: z.string(),
          at: z.string(),
          actor: z.string(),
          action: z.string(),
          object: z.string(),
          objectId: z.string(),
          contactId: z.string(),
          changes: z.record(z.string(), z.unknown()),
          requestId: z.string(),
        }),
      ),
      paging: pagingSchema,
    }),
    handler: async ({ db, query }) => {
      const [at, id] = query.cursor ? decodeCursor(query.cursor, 2) : []
      const rows = await db.rows<{
        id: string
        at: string
        actor: string
        action: string
        object: string
        object_id: string
        contact_id: string
        changes: string
        request_id: string
      }>(
        `SELECT id, at, actor, action, object, object_id, contact_id, changes, request_id FROM crm_changes
         WHERE tenant_id = {tenant:String}
           AND ({objectId:String} = '' OR object_id = {objectId:String})
           ${query.cursor ? `AND (at, id) < ({at:DateTime64(3, 'UTC')}, {id:String})` : ''}
         ORDER BY at DESC, id DESC LIMIT {limit:UInt32}`,
        { objectId: query.objectId ?? '', at, id, limit: query.limit + 1 },
      )
      return toPage(
        rows,
        query.limit,
        (row) => [row.at, row.id],
        (row) => ({
          id: row.id,
          at: toIsoTime(row.at),
          actor: row.actor,
          action: row.action,
          object: row.object,
          objectId: row.object_id,
          contactId: row.contact_id,
          changes: JSON.parse(row.changes || '{}') as Record<string, unknown>,
          requestId: row.request_id,
        }),
      )
    },
  })
}
