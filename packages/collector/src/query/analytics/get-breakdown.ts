/**
 * One breakdown of a range's web traffic, top 50 rows: pages (page views by path; `urls`: by
 * absolute URL without query and fragment, as heatmaps are keyed), entry and exit pages
 * (sessions that started / ended there), sources (a session's first UTM source, else its
 * referrer's domain, else "(direct)"), UTM campaigns, device types, browsers, operating systems and
 * countries (`context.location.country`, else the region of the browser's locale: the collector
 * does no IP geolocation).
 */
import type { ClickHouseClient } from '@clickhouse/client'
import {
  type AnalyticsRange,
  FINAL_SETTINGS,
  getRangeParams,
  queryRows,
  RANGE_SQL,
  VISITOR_SQL,
} from './analytics-range.js'

export const BREAKDOWNS = [
  'pages',
  'urls',
  'entry',
  'exit',
  'sources',
  'campaigns',
  'devices',
  'browsers',
  'os',
  'countries',
] as const
export type Breakdown = (typeof BREAKDOWNS)[number]

/** A row: the value (path, source…), distinct visitors, and `count` (page views for pages, else sessions). */
export interface BreakdownRow {
  value: string
  visitors: number
  count: number
}

export interface BreakdownResult {
  breakdown: Breakdown
  /** What `count` counts. */
  countOf: 'pageViews' | 'sessions'
  results: BreakdownRow[]
}

const LIMIT = 50

/** Per session (web events only): its visitor and first and last page and source. */
const SESSIONS_SQL = `
  SELECT if(session_id != '', cityHash64(session_id), ${VISITOR_SQL}) AS s, any(${VISITOR_SQL}) AS v,
    argMinIf(path, timestamp, type = 'page') AS entry_path, argMaxIf(path, timestamp, type = 'page') AS exit_path,
    argMin((utm_source, utm_medium, utm_campaign, referrer, url), timestamp) AS first_touch
  FROM events FINAL WHERE ${RANGE_SQL} AND url != ''
  GROUP BY s`

const SOURCE_SQL = `if(first_touch.1 != '', first_touch.1,
  if(first_touch.4 = '' OR domain(first_touch.4) = domain(first_touch.5), '(direct)', domain(first_touch.4)))`

const COUNTRY_SQL = `upper(if(JSONExtractString(context, 'location', 'country') != '',
  JSONExtractString(context, 'location', 'country'),
  if(length(splitByChar('-', locale)) > 1, arrayElement(splitByChar('-', locale), -1), '')))`

/** Breakdowns over events: the column grouped on. */
const EVENT_COLUMNS: Partial<Record<Breakdown, string>> = {
  devices: 'device_type',
  browsers: 'browser',
  os: 'os',
  countries: COUNTRY_SQL,
}

/** Breakdowns over sessions: the session column grouped on. */
const SESSION_COLUMNS: Partial<Record<Breakdown, string>> = {
  entry: 'entry_path',
  exit: 'exit_path',
  sources: SOURCE_SQL,
  campaigns: `concat(first_touch.1, ' / ', first_touch.2, ' / ', first_touch.3)`,
}

export async function getBreakdown(
  client: ClickHouseClient,
  range: AnalyticsRange,
  breakdown: Breakdown,
): Promise<BreakdownResult> {
  const params = getRangeParams(range)
  let sql: string
  if (breakdown === 'pages' || breakdown === 'urls') {
    sql = `SELECT ${breakdown === 'pages' ? 'path' : 'cutQueryStringAndFragment(url)'} AS value, uniqExact(${VISITOR_SQL}) AS visitors, count() AS count
      FROM events FINAL WHERE ${RANGE_SQL} AND type = 'page'
      GROUP BY value ORDER BY count DESC, value LIMIT ${LIMIT} ${FINAL_SETTINGS}`
  } else if (SESSION_COLUMNS[breakdown]) {
    const where =
      breakdown === 'campaigns' ? `first_touch.3 != ''` : breakdown === 'sources' ? '1' : "value != ''"
    sql = `SELECT ${SESSION_COLUMNS[breakdown]} AS value, uniqExact(v) AS visitors, count() AS count
      FROM (${SESSIONS_SQL}) WHERE ${where}
      GROUP BY value ORDER BY count DESC, value LIMIT ${LIMIT} ${FINAL_SETTINGS}`
  } else {
    sql = `SELECT value, uniqExact(v) AS visitors, uniqExact(s) AS count FROM (
        SELECT ${EVENT_COLUMNS[breakdown]} AS value, ${VISITOR_SQL} AS v,
          if(session_id != '', cityHash64(session_id), ${VISITOR_SQL}) AS s
        FROM events WHERE ${RANGE_SQL} AND url != ''
      )
      GROUP BY value ORDER BY count DESC, value LIMIT ${LIMIT}`
  }
  const rows = await queryRows<{ value: string; visitors: number | string; count: number | string }>(
    client,
    sql,
    params,
  )
  return {
    breakdown,
    countOf: breakdown === 'pages' || breakdown === 'urls' ? 'pageViews' : 'sessions',
    results: rows.map((row) => ({
      value: row.value === '' ? '(unknown)' : row.value,
      visitors: Number(row.visitors),
      count: Number(row.count),
    })),
  }
}
