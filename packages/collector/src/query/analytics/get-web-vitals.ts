/**
 * Core Web Vitals from the browser SDK's `Web Vital` events (`{ name, value, rating }`): the 75th
 * percentile of LCP, INP, CLS, FCP and TTFB for all pages and per page, rated with web.dev's
 * thresholds (https://web.dev/articles/vitals#core-web-vitals, https://web.dev/articles/fcp,
 * https://web.dev/articles/ttfb), and the share of page views rated good / needs improvement / poor
 * (the event's own rating, else the thresholds).
 */
import type { ClickHouseClient } from '@clickhouse/client'
import {
  type AnalyticsRange,
  FINAL_SETTINGS,
  getRangeParams,
  queryRows,
  RANGE_SQL,
} from './analytics-range.js'

export const VITALS = ['LCP', 'INP', 'CLS', 'FCP', 'TTFB'] as const
export type Vital = (typeof VITALS)[number]
export type VitalRating = 'good' | 'needs-improvement' | 'poor'

/** [good up to, poor above] per metric (ms; CLS unitless). */
export const VITAL_THRESHOLDS: Record<Vital, readonly [number, number]> = {
  LCP: [2500, 4000],
  INP: [200, 500],
  CLS: [0.1, 0.25],
  FCP: [1800, 3000],
  TTFB: [800, 1800],
}

export interface VitalRow {
  /** The page path, or `null` for all pages together. */
  path: string | null
  metric: Vital
  /** 75th percentile (ms; CLS unitless). */
  p75: number
  rating: VitalRating
  samples: number
  /** Shares (0..1) of samples rated good, needs improvement, poor. */
  good: number
  needsImprovement: number
  poor: number
}

/** @returns the rating of a value by web.dev's thresholds. */
export function rateVital(metric: Vital, value: number): VitalRating {
  const [good, poor] = VITAL_THRESHOLDS[metric]
  return value <= good ? 'good' : value <= poor ? 'needs-improvement' : 'poor'
}

const round = (value: number, digits: number) => Math.round(value * 10 ** digits) / 10 ** digits

/**
 * @returns p75, rating and band shares per metric, all pages first (`path: null`), then per page.
 * @throws RastroError `RASTRO_ERR_QUERY_FAILED` (400) or `RASTRO_ERR_STORE_UNAVAILABLE` (503).
 */
export async function getWebVitals(
  client: ClickHouseClient,
  range: AnalyticsRange,
): Promise<{ results: VitalRow[] }> {
  const thresholds = VITALS.map((metric) => VITAL_THRESHOLDS[metric])
  const rows = await queryRows<Record<string, string | number>>(
    client,
    `SELECT path, metric, grouping(path) AS all_pages, quantile(0.75)(value) AS p75, count() AS samples,
       countIf(r = 'good') AS good, countIf(r = 'needs-improvement') AS ni, countIf(r = 'poor') AS poor
     FROM (
       SELECT path, upper(JSONExtractString(properties, 'name')) AS metric, JSONExtractFloat(properties, 'value') AS value,
         JSONExtractString(properties, 'rating') AS given,
         if(given IN ('good', 'needs-improvement', 'poor'), given,
           multiIf(value <= {good:Array(Float64)}[indexOf({metrics:Array(String)}, metric)], 'good',
                   value <= {poor:Array(Float64)}[indexOf({metrics:Array(String)}, metric)], 'needs-improvement', 'poor')) AS r
       FROM events FINAL WHERE ${RANGE_SQL} AND type = 'track' AND event = 'Web Vital'
     )
     WHERE metric IN {metrics:Array(String)}
     GROUP BY GROUPING SETS ((metric), (path, metric))
     ORDER BY all_pages DESC, path, metric ${FINAL_SETTINGS}`,
    {
      ...getRangeParams(range),
      metrics: VITALS,
      good: thresholds.map((pair) => pair[0]),
      poor: thresholds.map((pair) => pair[1]),
    },
  )
  return {
    results: rows.map((row) => {
      const metric = row.metric as Vital
      const samples = Number(row.samples)
      const p75 = round(Number(row.p75), metric === 'CLS' ? 3 : 0)
      return {
        path: Number(row.all_pages) === 1 ? null : String(row.path),
        metric,
        p75,
        rating: rateVital(metric, p75),
        samples,
        good: round(Number(row.good) / samples, 4),
        needsImprovement: round(Number(row.ni) / samples, 4),
        poor: round(Number(row.poor) / samples, 4),
      }
    }),
  }
}
