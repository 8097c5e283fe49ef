/**
 * The range every analytics query reads: a tenant (from the key), a time range, an optional site,
 * the tenant's time zone (days and hours are counted in it) and currency. Traffic flagged as
 * automated (`bot`, from `context.bot` or the user agent) is always left out.
 */
import type { ClickHouseClient } from '@clickhouse/client'
import { z } from 'zod'
import { isoDateTimeSchema } from '@rastro/schema'
import { createError } from '../../errors.js'
import { toClickHouseTime } from '../../ingest/event-row.js'
import { toQueryError } from '../to-query-error.js'

const DAY_MS = 86_400_000
/** The longest range one query reads (ms): two years, beyond any chart's use. */
const MAX_RANGE_MS = 731 * DAY_MS

/** Query string of the analytics routes. */
export const rangeQuerySchema = z.strictObject({
  /** Start, inclusive (ISO 8601); default 7 days before `to`. */
  from: isoDateTimeSchema.optional(),
  /** End, exclusive (ISO 8601); default now. */
  to: isoDateTimeSchema.optional(),
  /** Only this site's events (a site id of the tenant). */
  site: z.string().max(64).optional(),
})

/** One analytics read: the tenant's, in its time zone. */
export interface AnalyticsRange {
  tenantId: string
  /** Start, inclusive (epoch ms). */
  fromMs: number
  /** End, exclusive (epoch ms). */
  toMs: number
  /** Site id, or '' for every site. */
  siteId: string
  /** IANA time zone of the tenant. */
  timeZone: string
  /** ISO 4217 code of the tenant's currency. */
  currency: string
}

/** Throws the 400 of a failed zod parse, naming the field. */
export function throwInvalid(error: z.ZodError, where = 'query'): never {
  const issue = error.issues[0]
  throw createError('RASTRO_ERR_QUERY_INVALID', {
    message: `${issue?.path.join('.') || where}: ${issue?.message}`,
    field: issue?.path.join('.') || undefined,
  })
}

/**
 * Validates a route's query or body with `schema`.
 * @throws RastroError `RASTRO_ERR_QUERY_INVALID` (400) naming the first field at fault.
 */
export function parseInput<T>(schema: z.ZodType<T>, value: unknown, where: 'query' | 'body' = 'query'): T {
  const parsed = schema.safeParse(value ?? {})
  if (!parsed.success) throwInvalid(parsed.error, where)
  return parsed.data
}

/**
 * @returns the range of a parsed query.
 * @throws RastroError `RASTRO_ERR_QUERY_INVALID` (400) when `from` is not before `to` or the range is
 *   longer than two years.
 */
export function getRange(
  query: { from?: string | undefined; to?: string | undefined; site?: string | undefined },
  tenant: { tenantId: string; timeZone: string; currency: string },
  now = Date.now(),
): AnalyticsRange {
  const toMs = query.to ? Date.parse(query.to) : now
  const fromMs = query.from ? Date.parse(query.from) : toMs - 7 * DAY_MS
  if (fromMs >= toMs)
    throw createError('RASTRO_ERR_QUERY_INVALID', { message: 'from must be before to', field: 'from' })
  if (toMs - fromMs > MAX_RANGE_MS)
    throw createError('RASTRO_ERR_QUERY_INVALID', {
      message: 'the range is longer than two years',
      field: 'from',
    })
  return { ...tenant, fromMs, toMs, siteId: query.site ?? '' }
}

/** The query parameters of {@link RANGE_SQL}, for `[fromMs, toMs)` (default: the range's). */
export function getRangeParams(range: AnalyticsRange, fromMs = range.fromMs, toMs = range.toMs) {
  return {
    tenant: range.tenantId,
    from: toClickHouseTime(fromMs),
    to: toClickHouseTime(toMs),
    site: range.siteId,
    tz: range.timeZone,
  }
}

/** The tenant's events of the range and site, without automated traffic. */
export const RANGE_SQL = `tenant_id = {tenant:String}
  AND timestamp >= {from:DateTime64(3, 'UTC')} AND timestamp < {to:DateTime64(3, 'UTC')}
  AND bot = 0 AND ({site:String} = '' OR site_id = {site:String})`

/** A visitor: the anonymous id, else the user id, hashed (64-bit hashes group far faster than strings). */
export const VISITOR_SQL = `cityHash64(if(anonymous_id != '', anonymous_id, user_id))`

/**
 * Events that record what a page did by itself, not what the visitor did: a session with one page
 * view and only these is a bounce (Plausible counts a bounce the same way).
 */
export const PASSIVE_EVENTS = ['Page Left', 'Web Vital', '$heatmap']

/**
 * `FINAL` collapses a retried event stored twice; ReplacingMergeTree only collapses within a
 * partition, so it need not merge across them.
 */
export const FINAL_SETTINGS = 'SETTINGS do_not_merge_across_partitions_select_final = 1'

/** Runs a read and answers its rows. @throws RastroError 400 (bad query) or 503 (ClickHouse unreachable). */
export async function queryRows<T>(
  client: ClickHouseClient,
  query: string,
  params: Record<string, unknown>,
): Promise<T[]> {
  try {
    const result = await client.query({ query, query_params: params, format: 'JSONEachRow' })
    return await result.json<T>()
  } catch (error) {
    throw toQueryError(error)
  }
}
