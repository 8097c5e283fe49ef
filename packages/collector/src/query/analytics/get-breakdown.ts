/**
 * One breakdown of a range's web traffic, top 50 rows: pages (page views by path; `urls`: by
 * absolute URL without query and fragment, as heatmaps are keyed), entry and exit pages
 * (sessions that started / ended there), sources (a session's first UTM source, else its
 * referrer's domain, else "(direct)"), UTM campaigns, device types, browsers, operating systems and
 * countries (the `country` the collector looked up from the client IP at ingest).
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

/** Per session (web events only): its visitor, first and last page, first source, the site's host, its device and country. */
const SESSIONS_SQL = `
  SELECT if(session_id != '', cityHash64(session_id), ${VISITOR_SQL}) AS s, any(${VISITOR_SQL}) AS v,
    argMinIf(path, timestamp, type = 'page') AS entry_path, argMaxIf(path, timestamp, type = 'page') AS exit_path,
    argMin((utm_source, utm_medium, utm_campaign, referrer), timestamp) AS first_touch, domain(any(url)) AS host,
    any((device_type, browser, os)) AS d, anyIf(country, country != '') AS country
  FROM events WHERE ${RANGE_SQL} AND url != ''
  GROUP BY s`

const SOURCE_SQL = `if(first_touch.1 != '', first_touch.1,
  if(first_touch.4 = '' OR domain(first_touch.4) = host, '(direct)', domain(first_touch.4)))`

/**
 * The two families of breakdowns, each answered by one query for all its requested kinds
 * (`arrayJoin` of `(kind, value)` pairs, top rows per kind with `LIMIT … BY`):
 * - page views (FINAL: a retried page view counts once);
 * - sessions, one row each: entry and exit page, first source and campaign, device, browser, OS
 *   and country (no FINAL: a duplicate event changes neither a session's first or last page nor
 *   a count of distinct sessions and visitors). A session's country is the first non-empty one of
 *   its events; rows stored before the column existed, from private IPs or of a tenant with
 *   `enrichment.country` off have none and count as "(unknown)". The browser language's region,
 *   used before, is not a fallback: `en-US` is most browsers' default wherever they are, and
 *   mixing the two sources would make the top rows wrong in a way the owner cannot see.
 */
const FAMILIES: { kinds: Breakdown[]; sql: string }[] = [
  {
    kinds: ['pages', 'urls'],
    sql: `SELECT pair.1 AS kind, pair.2 AS value, uniqExact(v) AS visitors, count() AS count FROM (
        SELECT arrayJoin(arrayFilter(p -> has({kinds:Array(String)}, p.1),
          [('pages', path), ('urls', cutQueryStringAndFragment(url))])) AS pair, ${VISITOR_SQL} AS v
        FROM events FINAL WHERE ${RANGE_SQL} AND type = 'page'
      )
      GROUP BY kind, value ORDER BY kind, count DESC, value LIMIT ${LIMIT} BY kind ${FINAL_SETTINGS}`,
  },
  {
    kinds: ['entry', 'exit', 'sources', 'campaigns', 'devices', 'browsers', 'os', 'countries'],
    sql: `SELECT pair.1 AS kind, pair.2 AS value, uniqExact(v) AS visitors, count() AS count FROM (
        SELECT arrayJoin(arrayFilter(p -> has({kinds:Array(String)}, p.1) AND (p.2 != '' OR p.1 NOT IN ('entry', 'exit', 'campaigns')),
          [('entry', entry_path), ('exit', exit_path), ('sources', ${SOURCE_SQL}),
           ('campaigns', if(first_touch.3 = '', '', concat(first_touch.1, ' / ', first_touch.2, ' / ', first_touch.3))),
           ('devices', toString(d.1)), ('browsers', toString(d.2)), ('os', toString(d.3)), ('countries', toString(country))])) AS pair, v
        FROM (${SESSIONS_SQL})
      )
      GROUP BY kind, value ORDER BY kind, count DESC, value LIMIT ${LIMIT} BY kind`,
  },
]

/**
 * @returns the requested breakdowns, in the order asked, from at most two queries run in parallel.
 * @throws RastroError `RASTRO_ERR_QUERY_FAILED` (400) or `RASTRO_ERR_STORE_UNAVAILABLE` (503).
 */
export async function getBreakdowns(
  client: ClickHouseClient,
  range: AnalyticsRange,
  breakdowns: Breakdown[],
): Promise<BreakdownResult[]> {
  const params = getRangeParams(range)
  const answers = await Promise.all(
    FAMILIES.filter((family) => family.kinds.some((kind) => breakdowns.includes(kind))).map((family) =>
      queryRows<{ kind: Breakdown; value: string; visitors: number | string; count: number | string }>(
        client,
        family.sql,
        { ...params, kinds: family.kinds.filter((kind) => breakdowns.includes(kind)) },
      ),
    ),
  )
  const rows = answers.flat()
  return breakdowns.map((breakdown) => ({
    breakdown,
    countOf: breakdown === 'pages' || breakdown === 'urls' ? 'pageViews' : 'sessions',
    results: rows
      .filter((row) => row.kind === breakdown)
      .map((row) => ({
        value: row.value === '' ? '(unknown)' : row.value,
        visitors: Number(row.visitors),
        count: Number(row.count),
      })),
  }))
}
