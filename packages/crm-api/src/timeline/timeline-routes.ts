/**
 * `GET /contacts/{id}/timeline`: the contact's events from every source (web, server, device;
 * resolved through the identity map, so the anonymous history before they identified is there)
 * and the CRM changes about them (created, merged, notes, deal stages), newest first, in pages of
 * `limit` with a cursor on (time, id). Two queries: the contact's identities, then its events
 * UNION ALL its changes.
 */
import { HEATMAP_EVENT } from '@rastro/schema'
import { z } from 'zod'
import { getContactRow } from '../contacts/contact-routes.js'
import { toIsoTime } from '../db/clickhouse-time.js'
import { CHANNEL_SQL } from '../feed/crm-event-row.js'
import { getPersonEventParams, getPersonEventsSql, getPersonKeys } from '../identity/get-person-keys.js'
import { decodeCursor, pageQuerySchema, pagingSchema, toPage } from '../http/cursor.js'
import type { Router } from '../http/create-router.js'

export const timelineItemSchema = z.object({
  /** Message id of an event, change id of a CRM change. */
  id: z.string(),
  kind: z.enum(['event', 'change']),
  /** ISO 8601. */
  at: z.string(),
  /** `web`, `server`, `device` or `crm`. */
  source: z.string(),
  /** Event type (`page`, `track`, `identify`…) or `crm`. */
  type: z.string(),
  /** Event or page name, or the change's action (`contact.merged`, `deal.stage_changed`, `note.created`…). */
  name: z.string(),
  path: z.string(),
  properties: z.record(z.string(), z.unknown()),
  /** Who made a CRM change. */
  actor: z.string(),
})

interface TimelineRow {
  kind: 'event' | 'change'
  at: string
  id: string
  source: string
  type: string
  name: string
  path: string
  properties: string
  actor: string
}

export function addTimelineRoutes(router: Router): void {
  router.add({
    method: 'GET',
    url: '/contacts/:id/timeline',
    scope: 'crm:read',
    tag: 'contacts',
    summary: "A contact's events and CRM changes, newest first",
    params: z.object({ id: z.string().min(1).max(64) }),
    query: pageQuerySchema,
    response: z.object({ results: z.array(timelineItemSchema), paging: pagingSchema }),
    handler: async ({ db, params, query }) => {
      // A merged contact's identities moved to the one it was merged into, so the identities of the
      // requested id are the ones to read, fetched alongside the contact (unless the id was merged away).
      const [contact, ownKeys] = await Promise.all([
        getContactRow(db, params.id),
        getPersonKeys(db, [params.id]),
      ])
      const keys = contact.id === params.id ? ownKeys : await getPersonKeys(db, [contact.id])
      const contactIds = [contact.id, ...contact.merged_ids]
      const [at, id] = query.cursor ? decodeCursor(query.cursor, 2) : []
      const before = (time: string, key: string) =>
        query.cursor ? `AND (${time}, ${key}) < ({at:DateTime64(3, 'UTC')}, {id:String})` : ''
      const eventColumns = `'event' AS kind, timestamp AS at, message_id AS id, ${CHANNEL_SQL} AS source, toString(type) AS type,
        if(type = 'track', event, name) AS name, path, properties, '' AS actor`
      const rows = await db.rows<TimelineRow>(
        `SELECT * FROM (
           SELECT * FROM (${getPersonEventsSql(keys, eventColumns, `bot = 0 AND event != '${HEATMAP_EVENT}' ${before('timestamp', 'message_id')}`)})
           ORDER BY at DESC, id DESC
           LIMIT 1 BY id
           LIMIT {limit:UInt32}
           UNION ALL
           SELECT * FROM (
             SELECT 'change' AS kind, at, id, 'crm' AS source, 'crm' AS type, toString(action) AS name, '' AS path,
               changes AS properties, actor
             FROM crm_changes
             WHERE tenant_id = {tenant:String} AND contact_id IN {contactIds:Array(String)}
               ${before('at', 'id')}
             ORDER BY at DESC, id DESC
             LIMIT {limit:UInt32}
           )
         )
         ORDER BY at DESC, id DESC
         LIMIT {limit:UInt32}`,
        { ...getPersonEventParams(keys), contactIds, limit: query.limit + 1, at, id },
      )
      return toPage(
        rows,
        query.limit,
        (row) => [row.at, row.id],
        (row) => ({
          id: row.id,
          kind: row.kind,
          at: toIsoTime(row.at),
          source: row.source,
          type: row.type,
          name: row.name,
          path: row.path,
          properties: JSON.parse(row.properties || '{}') as Record<string, unknown>,
          actor: row.actor,
        }),
      )
    },
  })
}
