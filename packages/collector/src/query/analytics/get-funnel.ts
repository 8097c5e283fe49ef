/**
 * A funnel: visitors who did each step in order, each within `windowSeconds` of the first step
 * (ClickHouse `windowFunnel`, https://clickhouse.com/docs/sql-reference/aggregate-functions/parametric-functions#windowfunnel).
 * A step is an event name (a track call) or a page path (a page view of that path, or under it
 * when the path ends with `*`).
 */
import type { ClickHouseClient } from '@clickhouse/client'
import { z } from 'zod'
import { isoDateTimeSchema } from '@rastro/schema'
import {
  type AnalyticsRange,
  FINAL_SETTINGS,
  getRangeParams,
  queryRows,
  RANGE_SQL,
  VISITOR_SQL,
} from './analytics-range.js'

export const funnelStepSchema = z.union([
  z.strictObject({ event: z.string().min(1).max(200) }),
  z.strictObject({ path: z.string().min(1).max(500) }),
])
export type FunnelStep = z.infer<typeof funnelStepSchema>

export const funnelBodySchema = z.strictObject({
  steps: z.array(funnelStepSchema).min(2).max(10),
  /** Time allowed from the first step to the last (s; default one day, at most 90 days). */
  windowSeconds: z
    .number()
    .int()
    .min(1)
    .max(90 * 86_400)
    .default(86_400),
  from: isoDateTimeSchema.optional(),
  to: isoDateTimeSchema.optional(),
  site: z.string().max(64).optional(),
})

export interface FunnelResult {
  steps: {
    step: FunnelStep
    /** Visitors who reached this step. */
    visitors: number
    /** Share (0..1) of the first step's visitors. */
    conversion: number
    /** Share (0..1) of the previous step's visitors who did not reach this one (0 for the first). */
    dropOff: number
  }[]
}

const round = (value: number) => Math.round(value * 10_000) / 10_000

/**
 * @param windowSeconds time allowed from the first step to the last (s).
 * @returns visitors per step with conversion and drop-off (one query).
 * @throws RastroError `RASTRO_ERR_QUERY_FAILED` (400) or `RASTRO_ERR_STORE_UNAVAILABLE` (503).
 */
export async function getFunnel(
  client: ClickHouseClient,
  range: AnalyticsRange,
  steps: FunnelStep[],
  windowSeconds: number,
): Promise<FunnelResult> {
  const params: Record<string, unknown> = { ...getRangeParams(range), window: windowSeconds }
  const conditions = steps.map((step, i) => {
    if ('event' in step) {
      params[`s${i}`] = step.event
      return `(type = 'track' AND event = {s${i}:String})`
    }
    if (step.path.endsWith('*')) {
      params[`s${i}`] = step.path.slice(0, -1)
      return `(type = 'page' AND startsWith(path, {s${i}:String}))`
    }
    params[`s${i}`] = step.path
    return `(type = 'page' AND path = {s${i}:String})`
  })
  const rows = await queryRows<{ level: number | string; visitors: number | string }>(
    client,
    `SELECT level, count() AS visitors FROM (
       SELECT ${VISITOR_SQL} AS v, windowFunnel({window:UInt64})(toDateTime(timestamp), ${conditions.join(', ')}) AS level
       FROM events FINAL WHERE ${RANGE_SQL} AND type IN ('track', 'page')
       GROUP BY v
     ) WHERE level > 0 GROUP BY level ${FINAL_SETTINGS}`,
    params,
  )
  const reached = steps.map((_, i) =>
    rows.filter((row) => Number(row.level) >= i + 1).reduce((sum, row) => sum + Number(row.visitors), 0),
  )
  return {
    steps: steps.map((step, i) => ({
      step,
      visitors: reached[i]!,
      conversion: reached[0] ? round(reached[i]! / reached[0]) : 0,
      dropOff: i > 0 && reached[i - 1] ? round(1 - reached[i]! / reached[i - 1]!) : 0,
    })),
  }
}
