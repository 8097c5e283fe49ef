/**
 * Visitors now: distinct visitors with a web event in the last 5 minutes (Plausible's "current
 * visitors" window), and the pages they were last on.
 */
import type { ClickHouseClient } from '@clickhouse/client'
import { toClickHouseTime } from '../../ingest/event-row.js'
import { queryRows, VISITOR_SQL } from './analytics-range.js'

/** The "now" window (ms). */
export const LIVE_WINDOW_MS = 5 * 60_000

export interface VisitorsNow {
  visitors: number
  /** Pages the visitors were last on, by visitors. */
  pages: { path: string; visitors: number }[]
}

/**
 * @param siteId a site of the tenant, or '' for all.
 * @param now the clock (epoch ms).
 * @throws RastroError `RASTRO_ERR_QUERY_FAILED` (400) or `RASTRO_ERR_STORE_UNAVAILABLE` (503).
 */
export async function getVisitorsNow(
  client: ClickHouseClient,
  tenantId: string,
  siteId: string,
  now = Date.now(),
): Promise<VisitorsNow> {
  const rows = await queryRows<{ path: string; visitors: number | string }>(
    client,
    `SELECT path, count() AS visitors FROM (
       SELECT ${VISITOR_SQL} AS v, argMax(path, timestamp) AS path
       FROM events
       WHERE tenant_id = {tenant:String} AND timestamp >= {from:DateTime64(3, 'UTC')} AND bot = 0 AND url != ''
         AND ({site:String} = '' OR site_id = {site:String})
       GROUP BY v
     )
     GROUP BY path ORDER BY visitors DESC, path`,
    { tenant: tenantId, site: siteId, from: toClickHouseTime(now - LIVE_WINDOW_MS) },
  )
  const pages = rows.map((row) => ({ path: row.path, visitors: Number(row.visitors) }))
  return { visitors: pages.reduce((sum, page) => sum + page.visitors, 0), pages: pages.slice(0, 10) }
}
