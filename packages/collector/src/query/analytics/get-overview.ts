/**
 * The overview: unique visitors, sessions, page views, bounce rate, average session duration,
 * conversions and revenue for a range and the period of equal length before it, and a time series
 * of visitors and page views by hour (ranges up to 2 days) or day, in the tenant's time zone.
 * Web metrics read events with a page URL; conversions and revenue read every event (server too).
 */
import type { ClickHouseClient } from '@clickhouse/client'
import {
  type AnalyticsRange,
  FINAL_SETTINGS,
  getRangeParams,
  PASSIVE_EVENTS,
  queryRows,
  RANGE_SQL,
  VISITOR_SQL,
} from './analytics-range.js'

/** Totals of one period. Durations in seconds; revenue in the tenant's currency (major units). */
export interface OverviewTotals {
  visitors: number
  sessions: number
  pageViews: number
  /** Share (0..1) of sessions with one page view and nothing else done. */
  bounceRate: number
  /** Mean time between a session's first and last event (s). */
  avgSessionSeconds: number
  /** `Conversion` events, plus `Order Completed` events no conversion rule matched. */
  conversions: number
  /** Sum of `Order Completed` revenue (else total) and of other conversions' value, in `currency`. */
  revenue: number
}

export interface Overview {
  from: string
  to: string
  timeZone: string
  currency: string
  current: OverviewTotals
  /** The period of the same length just before `from`. */
  previous: OverviewTotals
  /** `hour` or `day`. */
  interval: 'hour' | 'day'
  /** One point per interval, empty ones included; `t` is the interval's start (epoch s). */
  series: { t: number; visitors: number; pageViews: number }[]
}

const TWO_DAYS_MS = 2 * 86_400_000
const round = (value: number, digits: number) => Math.round(value * 10 ** digits) / 10 ** digits

const ORDER_REVENUE = `coalesce(JSONExtract(properties, 'revenue', 'Nullable(Float64)'), JSONExtract(properties, 'total', 'Nullable(Float64)'), 0)`
const CURRENCY_MATCHES = `upper(JSONExtractString(properties, 'currency')) IN ('', {currency:String})`

/**
 * @returns the range's and the previous period's totals and the series (three queries in parallel).
 * @throws RastroError `RASTRO_ERR_QUERY_FAILED` (400) or `RASTRO_ERR_STORE_UNAVAILABLE` (503).
 */
export async function getOverview(client: ClickHouseClient, range: AnalyticsRange): Promise<Overview> {
  const lengthMs = range.toMs - range.fromMs
  const previousFromMs = range.fromMs - lengthMs
  const params = {
    ...getRangeParams(range, previousFromMs, range.toMs),
    start: getRangeParams(range).from,
    currency: range.currency,
    passive: PASSIVE_EVENTS,
  }
  const interval = lengthMs <= TWO_DAYS_MS ? 'hour' : 'day'
  const bucket =
    interval === 'hour' ? 'toStartOfHour(timestamp, {tz:String})' : 'toStartOfDay(timestamp, {tz:String})'
  const [sessions, money, series] = await Promise.all([
    // A session belongs to the period it started in.
    queryRows<Record<string, number | string>>(
      client,
      `SELECT current, uniqExact(v) AS visitors, count() AS sessions, sum(pages) AS page_views,
         countIf(pages <= 1 AND actions = 0) AS bounces, avg(duration) AS avg_duration
       FROM (
         SELECT if(session_id != '', cityHash64(session_id), ${VISITOR_SQL}) AS s, any(${VISITOR_SQL}) AS v,
           min(timestamp) >= {start:DateTime64(3, 'UTC')} AS current,
           countIf(type = 'page') AS pages, countIf(type = 'track' AND event NOT IN {passive:Array(String)}) AS actions,
           dateDiff('millisecond', min(timestamp), max(timestamp)) / 1000 AS duration
         FROM events FINAL WHERE ${RANGE_SQL} AND url != ''
         GROUP BY s
       )
       GROUP BY current ${FINAL_SETTINGS}`,
      params,
    ),
    queryRows<Record<string, number | string>>(
      client,
      `SELECT timestamp >= {start:DateTime64(3, 'UTC')} AS current,
         countIf(event = 'Conversion' OR JSONExtractString(context, 'conversion', 'rule') = '') AS conversions,
         sumIf(${ORDER_REVENUE}, event = 'Order Completed' AND ${CURRENCY_MATCHES})
           + sumIf(JSONExtractFloat(properties, 'value'), event = 'Conversion'
               AND JSONExtractString(properties, 'event') != 'Order Completed' AND ${CURRENCY_MATCHES}) AS revenue
       FROM events FINAL WHERE ${RANGE_SQL} AND type = 'track' AND event IN ('Conversion', 'Order Completed')
       GROUP BY current ${FINAL_SETTINGS}`,
      params,
    ),
    queryRows<{ t: number | string; visitors: number | string; page_views: number | string }>(
      client,
      `SELECT toUnixTimestamp(b) AS t, visitors, page_views FROM (
         SELECT ${bucket} AS b, uniqExact(${VISITOR_SQL}) AS visitors, countIf(type = 'page') AS page_views
         FROM events FINAL WHERE ${RANGE_SQL} AND url != ''
         GROUP BY b
         ORDER BY b WITH FILL
           FROM ${interval === 'hour' ? 'toStartOfHour' : 'toStartOfDay'}(toDateTime({from:DateTime64(3, 'UTC')}), {tz:String})
           TO toDateTime({to:DateTime64(3, 'UTC')}) STEP INTERVAL 1 ${interval.toUpperCase()}
       ) ${FINAL_SETTINGS}`,
      getRangeParams(range),
    ),
  ])
  const totals = (current: boolean): OverviewTotals => {
    const s = sessions.find((row) => Number(row.current) === (current ? 1 : 0)) ?? {}
    const m = money.find((row) => Number(row.current) === (current ? 1 : 0)) ?? {}
    const count = Number(s.sessions ?? 0)
    return {
      visitors: Number(s.visitors ?? 0),
      sessions: count,
      pageViews: Number(s.page_views ?? 0),
      bounceRate: count > 0 ? round(Number(s.bounces) / count, 4) : 0,
      avgSessionSeconds: count > 0 ? round(Number(s.avg_duration), 1) : 0,
      conversions: Number(m.conversions ?? 0),
      revenue: round(Number(m.revenue ?? 0), 2),
    }
  }
  return {
    from: new Date(range.fromMs).toISOString(),
    to: new Date(range.toMs).toISOString(),
    timeZone: range.timeZone,
    currency: range.currency,
    current: totals(true),
    previous: totals(false),
    interval,
    series: series.map((row) => ({
      t: Number(row.t),
      visitors: Number(row.visitors),
      pageViews: Number(row.page_views),
    })),
  }
}
