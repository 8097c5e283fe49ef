/**
 * `GET /v1/heatmaps`: the clicks of one page for one device class, aggregated for drawing, and
 * how far its visitors scrolled, read with a secret key. Clicks come from `heatmap_clicks` (the
 * points of `$heatmap` events), scroll depth from the `scrollDepth` of `Page Left` events; both
 * leave out traffic flagged as automated unless `includeBots=true`, and read `FINAL` so an
 * event stored twice counts once.
 */
import type { ClickHouseClient } from '@clickhouse/client'
import type { FastifyInstance } from 'fastify'
import { z } from 'zod'
import { isoDateTimeSchema, PAGE_LEFT_EVENT } from '@rastro/schema'
import type { KeyRing } from '../config/key-ring.js'
import { createError } from '../errors.js'
import { toClickHouseTime } from '../ingest/event-row.js'
import { requireSecretKey } from './require-key.js'
import { parseInput, queryRows } from './analytics/analytics-range.js'

export interface HeatmapsRoutesOptions {
  client: ClickHouseClient
  keyRing: KeyRing
}

const DAY_MS = 86_400_000
/** Most grid cells returned, the busiest first. */
const MAX_BINS = 5000
/** Most selectors returned, the most clicked first. */
const MAX_SELECTORS = 200
/** Cells per side of the grid offsets within an element are counted on (20 → steps of 0.05). */
const OFFSET_STEPS = 20
/**
 * Offsets are stored as Float32, whose rounding puts 0.9 at 0.89999998: this nudge keeps a value
 * sent on a cell edge in the cell it names.
 */
const CELL_EPSILON = 1e-4

const heatmapsQuerySchema = z.strictObject({
  /** The page (absolute URL); its query string and fragment are ignored, as they are at storage. */
  url: z.url({ protocol: /^https?$/ }).max(4096),
  /** Viewport class: < 768 px mobile, < 1024 px tablet, else desktop. */
  device: z.enum(['mobile', 'tablet', 'desktop']).default('desktop'),
  /** Start of the range, inclusive (ISO 8601); default: 30 days before `to`. */
  from: isoDateTimeSchema.optional(),
  /** End of the range, exclusive (ISO 8601); default: now. */
  to: isoDateTimeSchema.optional(),
  /** Only this site of the tenant; default: all. */
  site: z
    .string()
    .regex(/^[a-z0-9][a-z0-9_-]{0,63}$/i, 'must be a site id')
    .optional(),
  /** Side of a grid cell of page coordinates (CSS px). */
  binPx: z.coerce.number().int().min(1).max(1000).default(20),
  includeBots: z.enum(['true', 'false']).optional(),
})

/** One grid cell of page coordinates: its top-left corner (CSS px) and the clicks in it. */
export interface HeatmapBin {
  x: number
  y: number
  count: number
}

/** Clicks on one element, with where in it they landed (cell centres, 0..1 of its box). */
export interface HeatmapSelector {
  selector: string
  count: number
  offsets: { ox: number; oy: number; count: number }[]
}

/** Share of page views (with a `Page Left` event) whose scroll depth reached `depth` %. */
export interface ScrollDepthStep {
  depth: number
  pageViews: number
  share: number
}

const CLICKS = `tenant_id = {tenant:String} AND url = cutQueryStringAndFragment({url:String})
  AND device = {device:String}
  AND timestamp >= {from:DateTime64(3, 'UTC')} AND timestamp < {to:DateTime64(3, 'UTC')}
  AND ({site:String} = '' OR site_id = {site:String})
  AND (bot = 0 OR {includeBots:UInt8} = 1)`

const PAGE_LEFT = `tenant_id = {tenant:String}
  AND timestamp >= {from:DateTime64(3, 'UTC')} AND timestamp < {to:DateTime64(3, 'UTC')}
  AND type = 'track' AND event = {pageLeft:String}
  AND cutQueryStringAndFragment(url) = cutQueryStringAndFragment({url:String})
  AND multiIf(device_type = 'mobile', 'mobile', device_type = 'tablet', 'tablet', 'desktop') = {device:String}
  AND ({site:String} = '' OR site_id = {site:String})
  AND (bot = 0 OR {includeBots:UInt8} = 1)`

const round3 = (value: number) => Math.round(value * 1000) / 1000

export async function heatmapsRoutes(
  fastify: FastifyInstance,
  options: HeatmapsRoutesOptions,
): Promise<void> {
  const { client, keyRing } = options

  fastify.get('/v1/heatmaps', async (request) => {
    const { tenantId } = requireSecretKey(request, keyRing)
    const query = parseInput(heatmapsQuerySchema, request.query)
    const to = query.to ? Date.parse(query.to) : Date.now()
    const from = query.from ? Date.parse(query.from) : to - 30 * DAY_MS
    if (from >= to)
      throw createError('RASTRO_ERR_QUERY_INVALID', { message: 'from must be before to', field: 'from' })
    const params = {
      tenant: tenantId,
      url: query.url,
      device: query.device,
      from: toClickHouseTime(from),
      to: toClickHouseTime(to),
      site: query.site ?? '',
      includeBots: query.includeBots === 'true' ? 1 : 0,
      binPx: query.binPx,
      steps: OFFSET_STEPS,
      pageLeft: PAGE_LEFT_EVENT,
    }
    const [summary, bins, selectors, offsets, depths] = await Promise.all([
      queryRows<{ page: string; clicks: string; pageHeight: number; viewportWidth: number }>(
        client,
        `SELECT cutQueryStringAndFragment({url:String}) AS page, count() AS clicks,
           toUInt32(quantileExactIf(0.5)(page_height, page_height > 0)) AS pageHeight,
           toUInt32(quantileExact(0.5)(w)) AS viewportWidth
         FROM heatmap_clicks FINAL WHERE ${CLICKS}`,
        params,
      ),
      queryRows<{ bin_x: number; bin_y: number; count: string }>(
        client,
        `SELECT toInt32(floor(x / {binPx:UInt32})) * {binPx:UInt32} AS bin_x,
           toInt32(floor(y / {binPx:UInt32})) * {binPx:UInt32} AS bin_y,
           count() AS count
         FROM heatmap_clicks FINAL WHERE ${CLICKS}
         GROUP BY bin_x, bin_y ORDER BY count DESC, bin_y, bin_x LIMIT ${MAX_BINS}`,
        params,
      ),
      queryRows<{ selector: string; count: string }>(
        client,
        `SELECT selector, count() AS count FROM heatmap_clicks FINAL WHERE ${CLICKS} AND selector != ''
         GROUP BY selector ORDER BY count DESC, selector LIMIT ${MAX_SELECTORS}`,
        params,
      ),
      queryRows<{ selector: string; cx: number; cy: number; count: string }>(
        client,
        `SELECT selector,
           least(toUInt8(floor(ox * {steps:UInt8} + ${CELL_EPSILON})), {steps:UInt8} - 1) AS cx,
           least(toUInt8(floor(oy * {steps:UInt8} + ${CELL_EPSILON})), {steps:UInt8} - 1) AS cy,
           count() AS count
         FROM heatmap_clicks FINAL WHERE ${CLICKS} AND selector IN (
           SELECT selector FROM heatmap_clicks FINAL WHERE ${CLICKS} AND selector != ''
           GROUP BY selector ORDER BY count() DESC, selector LIMIT ${MAX_SELECTORS})
         GROUP BY selector, cx, cy ORDER BY count DESC, cy, cx`,
        params,
      ),
      queryRows<{ bucket: number; pageViews: string }>(
        client,
        `SELECT toUInt8(floor(least(greatest(JSONExtractFloat(properties, 'scrollDepth'), 0), 100) / 10)) AS bucket,
           count() AS pageViews
         FROM events FINAL WHERE ${PAGE_LEFT} GROUP BY bucket`,
        params,
      ),
    ])

    const bySelector = new Map<string, HeatmapSelector>(
      selectors.map((row) => [
        row.selector,
        { selector: row.selector, count: Number(row.count), offsets: [] },
      ]),
    )
    for (const row of offsets) {
      bySelector.get(row.selector)?.offsets.push({
        ox: round3((row.cx + 0.5) / OFFSET_STEPS),
        oy: round3((row.cy + 0.5) / OFFSET_STEPS),
        count: Number(row.count),
      })
    }

    // Buckets of 10 %: a page view in bucket b reached every depth up to b × 10 %.
    const perBucket = new Array<number>(11).fill(0)
    for (const row of depths) perBucket[row.bucket] = Number(row.pageViews)
    const pageViews = perBucket.reduce((sum, n) => sum + n, 0)
    const scroll: ScrollDepthStep[] = []
    let reached = pageViews
    for (let bucket = 0; bucket <= 10; bucket++) {
      scroll.push({
        depth: bucket * 10,
        pageViews: reached,
        share: pageViews ? round3(reached / pageViews) : 0,
      })
      reached -= perBucket[bucket]!
    }

    const head = summary[0]
    return {
      tenant: tenantId,
      url: head?.page ?? query.url,
      device: query.device,
      site: query.site ?? null,
      from: new Date(from).toISOString(),
      to: new Date(to).toISOString(),
      clicks: Number(head?.clicks ?? 0),
      pageHeight: Number(head?.pageHeight ?? 0),
      viewportWidth: Number(head?.viewportWidth ?? 0),
      binPx: query.binPx,
      bins: bins.map((row): HeatmapBin => ({
        x: Number(row.bin_x),
        y: Number(row.bin_y),
        count: Number(row.count),
      })),
      selectors: [...bySelector.values()],
      scroll: { pageViews, reached: scroll },
    }
  })
}
