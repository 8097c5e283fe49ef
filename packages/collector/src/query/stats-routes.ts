/**
 * `GET /v1/stats`: a tenant's events by name, page views, visitors and sessions in a time range,
 * read with a secret key. Counts read `FINAL` so a retried event is counted once, and leave out
 * traffic flagged as automated unless `includeBots=true`, and `$heatmap` events (click points
 * for `/v1/heatmaps`, not visitor actions) always.
 */
import type { ClickHouseClient } from '@clickhouse/client'
import type { FastifyInstance } from 'fastify'
import { z } from 'zod'
import { HEATMAP_EVENT, isoDateTimeSchema } from '@rastro/schema'
import type { KeyRing } from '../config/key-ring.js'
import { createError } from '../errors.js'
import { toClickHouseTime } from '../ingest/event-row.js'
import { requireSecretKey } from './require-key.js'
import { parseInput, queryRows } from './analytics/analytics-range.js'

export interface StatsRoutesOptions {
  client: ClickHouseClient
  keyRing: KeyRing
}

const DAY_MS = 86_400_000

const statsQuerySchema = z.strictObject({
  /** Start of the range, inclusive (ISO 8601); default: 7 days before `to`. */
  from: isoDateTimeSchema.optional(),
  /** End of the range, exclusive (ISO 8601); default: now. */
  to: isoDateTimeSchema.optional(),
  includeBots: z.enum(['true', 'false']).optional(),
})

/** The tenant's events in the range: not `$heatmap` (click points, not actions), not bots unless asked. */
const RANGE = `tenant_id = {tenant:String}
  AND timestamp >= {from:DateTime64(3, 'UTC')} AND timestamp < {to:DateTime64(3, 'UTC')}
  AND NOT (type = 'track' AND event = {heatmap:String})
  AND (bot = 0 OR {includeBots:UInt8} = 1)`

export async function statsRoutes(fastify: FastifyInstance, options: StatsRoutesOptions): Promise<void> {
  const { client, keyRing } = options

  fastify.get('/v1/stats', async (request) => {
    const { tenantId } = requireSecretKey(request, keyRing)
    const query = parseInput(statsQuerySchema, request.query)
    const to = query.to ? Date.parse(query.to) : Date.now()
    const from = query.from ? Date.parse(query.from) : to - 7 * DAY_MS
    if (from >= to)
      throw createError('RASTRO_ERR_QUERY_INVALID', { message: 'from must be before to', field: 'from' })
    const params = {
      tenant: tenantId,
      from: toClickHouseTime(from),
      to: toClickHouseTime(to),
      includeBots: query.includeBots === 'true' ? 1 : 0,
      heatmap: HEATMAP_EVENT,
    }
    const [totals, events, pages] = await Promise.all([
      queryRows<Record<string, string | number>>(
        client,
        `SELECT count() AS events, countIf(type = 'page') AS pageViews,
           uniqExact(if(anonymous_id = '', user_id, anonymous_id)) AS visitors,
           uniqExactIf(session_id, session_id != '') AS sessions
         FROM events FINAL WHERE ${RANGE}`,
        params,
      ),
      queryRows<{ type: string; event: string; count: string | number }>(
        client,
        `SELECT type, event, count() AS count FROM events FINAL WHERE ${RANGE}
         GROUP BY type, event ORDER BY count DESC, type, event LIMIT 1000`,
        params,
      ),
      queryRows<{ path: string; views: string | number }>(
        client,
        `SELECT path, count() AS views FROM events FINAL WHERE ${RANGE} AND type = 'page'
         GROUP BY path ORDER BY views DESC, path LIMIT 100`,
        params,
      ),
    ])
    const total = totals[0] ?? {}
    return {
      tenant: tenantId,
      from: new Date(from).toISOString(),
      to: new Date(to).toISOString(),
      totals: {
        events: Number(total.events ?? 0),
        pageViews: Number(total.pageViews ?? 0),
        visitors: Number(total.visitors ?? 0),
        sessions: Number(total.sessions ?? 0),
      },
      events: events.map((row) => ({ type: row.type, event: row.event, count: Number(row.count) })),
      pages: pages.map((row) => ({ path: row.path, views: Number(row.views) })),
    }
  })
}
