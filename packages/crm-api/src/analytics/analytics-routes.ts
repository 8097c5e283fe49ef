/**
 * The dashboards a marketing team opens first, each answered by single ClickHouse queries (run in
 * parallel), never by application loops: visitors, leads, campaigns, funnels and Core Web Vitals.
 * Bot traffic is left out unless `includeBots=true`; counts read `FINAL` (or, where events are
 * resolved to contacts, one row per message id), so a retried event counts once.
 */
import { z } from 'zod'
import type { Router } from '../http/create-router.js'
import { toClickHouseTime, toNumber } from '../db/clickhouse-time.js'
import { getResolvedEventsSql } from '../db/event-sql.js'
import { createCrmError } from '../errors.js'
import { Params } from '../http/filter-sql.js'
import { getValueModel } from '../segments/value-sql.js'

const DAY_MS = 86_400_000
/** Events that turn a visitor into a lead (Segment's B2B SaaS spec names and the landing page's). */
const LEAD_EVENTS = ['Lead Created', 'Signed Up', 'Form Submitted', 'Trial Started']
/** Web-vitals event names: ours and PostHog's. Properties: `{ LCP: 1234, … }` or `{ metric|name: 'LCP', value }`. */
const VITALS_EVENTS = ['Web Vitals', 'Web Vital', '$web_vitals']
/** Good / poor thresholds judged at the 75th percentile (https://web.dev/articles/vitals). */
const VITALS_THRESHOLDS: Record<string, [number, number]> = {
  LCP: [2500, 4000],
  INP: [200, 500],
  CLS: [0.1, 0.25],
  FCP: [1800, 3000],
  TTFB: [800, 1800],
}

const rangeSchema = z.object({
  /** Start, inclusive (ISO 8601); default 30 days before `to`. */
  from: z.iso.datetime({ offset: true }).optional(),
  /** End, exclusive (ISO 8601); default now. */
  to: z.iso.datetime({ offset: true }).optional(),
  /** Count traffic flagged as automated too. */
  includeBots: z.enum(['true', 'false']).default('false'),
  /** Only this site's events. */
  siteId: z.string().max(64).optional(),
})
type Range = z.infer<typeof rangeSchema>

const RANGE_SQL = `tenant_id = {tenant:String}
  AND timestamp >= {from:DateTime64(3, 'UTC')} AND timestamp < {to:DateTime64(3, 'UTC')}
  AND (bot = 0 OR {includeBots:UInt8} = 1)
  AND ({siteId:String} = '' OR site_id = {siteId:String})`

/** The range's query parameters. @throws CrmError 400 when `from` is not before `to`. */
function getRangeParams(range: Range): Record<string, unknown> {
  const to = range.to ? Date.parse(range.to) : Date.now()
  const from = range.from ? Date.parse(range.from) : to - 30 * DAY_MS
  if (from >= to)
    throw createCrmError('RASTRO_ERR_CRM_INVALID_INPUT', { message: 'from must be before to', field: 'from' })
  return {
    from: toClickHouseTime(from),
    to: toClickHouseTime(to),
    includeBots: range.includeBots === 'true' ? 1 : 0,
    siteId: range.siteId ?? '',
  }
}

/**
 * Read `FINAL`, so a retried event stored twice counts once. ReplacingMergeTree only collapses rows
 * within a partition, so FINAL need not merge across partitions; and a partition merged into one
 * part (every month but the current one, once ClickHouse's background merges ran) costs nothing
 * more to read FINAL. Measured at 1M events: 60 ms FINAL on merged parts, 3-4× that on unmerged
 * ones, 2.5× with `LIMIT 1 BY` message id instead.
 */
const FINAL_SETTINGS = 'SETTINGS do_not_merge_across_partitions_select_final = 1'

/** Resolved events of the range; `bot = 0` is already in the resolver, so bots are always out here. */
const resolvedInRange = (columns: string[], where = '1') =>
  getResolvedEventsSql(
    columns,
    `timestamp >= {from:DateTime64(3, 'UTC')} AND timestamp < {to:DateTime64(3, 'UTC')}
     AND ({siteId:String} = '' OR site_id = {siteId:String}) AND (${where})`,
  )

const SOURCE_SQL = `if(utm_source != '', utm_source, if(referrer = '', '(direct)', domain(referrer)))`
const REVENUE_SQL = `coalesce(JSONExtract(properties, 'revenue', 'Nullable(Float64)'), JSONExtract(properties, 'value', 'Nullable(Float64)'), JSONExtract(properties, 'total', 'Nullable(Float64)'), 0)`

const stepSchema = z
  .strictObject({
    type: z.enum(['track', 'page', 'screen', 'identify']).optional(),
    event: z.string().max(200).optional(),
    pathPrefix: z.string().max(500).optional(),
  })
  .refine((step) => step.type || step.event || step.pathPrefix, {
    message: 'a step needs a type, event or pathPrefix',
  })

const round = (value: number, digits = 3) => Math.round(value * 10 ** digits) / 10 ** digits

export function addAnalyticsRoutes(router: Router): void {
  router.add({
    method: 'GET',
    url: '/analytics/visitors',
    scope: 'crm:read',
    tag: 'analytics',
    summary:
      'Unique visitors, sessions, page views, bounce rate, session duration, top pages, sources, devices',
    description:
      'Web events only (with a page URL). A session is the browser SDK’s session id; a bounce is a session with at most one page view and no other event. Sources are per session, from its first event: UTM source, else the referrer’s domain, else (direct).',
    query: rangeSchema,
    response: z.object({
      visitors: z.number().int(),
      sessions: z.number().int(),
      pageViews: z.number().int(),
      bounceRate: z.number(),
      avgSessionSeconds: z.number(),
      topPages: z.array(z.object({ path: z.string(), views: z.number().int(), visitors: z.number().int() })),
      sources: z.array(
        z.object({
          source: z.string(),
          medium: z.string(),
          campaign: z.string(),
          sessions: z.number().int(),
          visitors: z.number().int(),
        }),
      ),
      devices: z.array(
        z.object({
          dimension: z.enum(['deviceType', 'browser', 'os']),
          value: z.string(),
          visitors: z.number().int(),
        }),
      ),
    }),
    handler: async ({ db, query }) => {
      const params = getRangeParams(query)
      // Visitors and sessions are grouped by 64-bit hashes of their ids: far cheaper than strings.
      // Sources and devices count distinct sessions and visitors, which duplicates do not change: no FINAL.
      const visitor = `cityHash64(if(anonymous_id != '', anonymous_id, user_id))`
      const [totals, pages, sources, devices] = await Promise.all([
        db.rows<Record<string, string | number>>(
          `SELECT uniqExact(v) AS visitors, sum(pages) AS page_views, countIf(s != 0) AS sessions,
             countIf(s != 0 AND pages <= 1 AND events = 1) AS bounces, avgIf(duration, s != 0) AS avg_duration
           FROM (
             SELECT s, v, countIf(type = 'page') AS pages, count() AS events,
               dateDiff('millisecond', min(timestamp), max(timestamp)) / 1000 AS duration
             FROM (
               SELECT if(session_id = '', 0, cityHash64(session_id)) AS s, ${visitor} AS v, type, timestamp
               FROM events FINAL WHERE ${RANGE_SQL} AND url != ''
             )
             GROUP BY s, v
           )
           ${FINAL_SETTINGS}`,
          params,
        ),
        db.rows<{ path: string; views: string | number; visitors: string | number }>(
          `SELECT path, count() AS views, uniqExact(${visitor}) AS visitors
           FROM events FINAL WHERE ${RANGE_SQL} AND type = 'page'
           GROUP BY path ORDER BY views DESC, path LIMIT 20
           ${FINAL_SETTINGS}`,
          params,
        ),
        db.rows<{
          source: string
          medium: string
          campaign: string
          sessions: string | number
          visitors: string | number
        }>(
          `SELECT if(entry.1 != '', entry.1, if(entry.4 = '', '(direct)', domain(entry.4))) AS source, entry.2 AS medium,
             entry.3 AS campaign, count() AS sessions, uniqExact(v) AS visitors
           FROM (
             SELECT cityHash64(session_id) AS s, any(${visitor}) AS v,
               argMin((utm_source, utm_medium, utm_campaign, referrer), timestamp) AS entry
             FROM events WHERE ${RANGE_SQL} AND url != '' AND session_id != ''
             GROUP BY s
           )
           GROUP BY source, medium, campaign ORDER BY sessions DESC, source LIMIT 50`,
          params,
        ),
        db.rows<{ device_type: string; browser: string; os: string; visitors: string | number; g: number }>(
          `SELECT device_type, browser, os, uniqExact(${visitor}) AS visitors,
             grouping(device_type, browser, os) AS g
           FROM events WHERE ${RANGE_SQL} AND url != ''
           GROUP BY GROUPING SETS ((device_type), (browser), (os))
           ORDER BY visitors DESC`,
          params,
        ),
      ])
      const total = totals[0] ?? {}
      const sessions = toNumber(total.sessions)
      return {
        visitors: toNumber(total.visitors),
        sessions,
        pageViews: toNumber(total.page_views),
        bounceRate: sessions > 0 ? round(toNumber(total.bounces) / sessions) : 0,
        avgSessionSeconds: round(toNumber(total.avg_duration) || 0, 1),
        topPages: pages.map((row) => ({
          path: row.path,
          views: toNumber(row.views),
          visitors: toNumber(row.visitors),
        })),
        sources: sources.map((row) => ({
          source: row.source,
          medium: row.medium,
          campaign: row.campaign,
          sessions: toNumber(row.sessions),
          visitors: toNumber(row.visitors),
        })),
        // grouping(): bit 2 device_type, 1 browser, 0 os; a 0 bit marks the column grouped on.
        devices: devices.map((row) => {
          const g = toNumber(row.g)
          const dimension = (g & 4) === 0 ? 'deviceType' : (g & 2) === 0 ? 'browser' : 'os'
          const value =
            dimension === 'deviceType' ? row.device_type : dimension === 'browser' ? row.browser : row.os
          return { dimension, value, visitors: toNumber(row.visitors) } as const
        }),
      }
    },
  })

  router.add({
    method: 'GET',
    url: '/analytics/leads',
    scope: 'crm:read',
    tag: 'analytics',
    summary: 'New leads by source and the visitor → lead → customer conversion',
    description:
      'Leads are lead events (Lead Created, Signed Up, Form Submitted, Trial Started); customers are contacts with an order event (the value model’s). People are counted once through the identity map.',
    query: rangeSchema.omit({ includeBots: true }),
    response: z.object({
      bySource: z.array(z.object({ source: z.string(), leads: z.number().int() })),
      visitors: z.number().int(),
      leads: z.number().int(),
      customers: z.number().int(),
      visitorToLead: z.number(),
      leadToCustomer: z.number(),
    }),
    handler: async ({ db, query }) => {
      const params = {
        ...getRangeParams({ ...query, includeBots: 'false' }),
        leadEvents: LEAD_EVENTS,
        orderEvents: (await getValueModel(db)).orderEvents,
      }
      const [bySource, totals] = await Promise.all([
        db.rows<{ source: string; leads: string | number }>(
          `SELECT ${SOURCE_SQL} AS source, count() AS leads
           FROM events FINAL WHERE ${RANGE_SQL} AND type = 'track' AND event IN {leadEvents:Array(String)}
           GROUP BY source ORDER BY leads DESC, source LIMIT 50
           ${FINAL_SETTINGS}`,
          { ...params, includeBots: 0 },
        ),
        db.rows<Record<string, string | number>>(
          `SELECT uniqExactIf(if(contact_id != '', contact_id, anonymous_id), url != '') AS visitors,
             uniqExactIf(contact_id, contact_id != '' AND type = 'track' AND event IN {leadEvents:Array(String)}) AS leads,
             uniqExactIf(contact_id, contact_id != '' AND type = 'track' AND event IN {orderEvents:Array(String)}) AS customers
           FROM ${resolvedInRange(['url', 'type', 'event'])}`,
          params,
        ),
      ])
      const total = totals[0] ?? {}
      const visitors = toNumber(total.visitors)
      const leads = toNumber(total.leads)
      const customers = toNumber(total.customers)
      return {
        bySource: bySource.map((row) => ({ source: row.source, leads: toNumber(row.leads) })),
        visitors,
        leads,
        customers,
        visitorToLead: visitors > 0 ? round(leads / visitors, 4) : 0,
        leadToCustomer: leads > 0 ? round(customers / leads, 4) : 0,
      }
    },
  })

  router.add({
    method: 'GET',
    url: '/analytics/campaigns',
    scope: 'crm:read',
    tag: 'analytics',
    summary: 'UTM campaign performance with leads, customers and revenue (first touch)',
    description:
      'Each person (contact, else anonymous visitor) is credited to the first UTM-tagged source/medium/campaign they arrived with in the range; their leads, orders and revenue in the range count for it.',
    query: rangeSchema.omit({ includeBots: true }),
    response: z.object({
      results: z.array(
        z.object({
          source: z.string(),
          medium: z.string(),
          campaign: z.string(),
          visitors: z.number().int(),
          leads: z.number().int(),
          customers: z.number().int(),
          orders: z.number().int(),
          revenue: z.number(),
        }),
      ),
    }),
    handler: async ({ db, query }) => {
      const params = {
        ...getRangeParams({ ...query, includeBots: 'false' }),
        leadEvents: LEAD_EVENTS,
        orderEvents: (await getValueModel(db)).orderEvents,
      }
      const rows = await db.rows<Record<string, string | number>>(
        `SELECT first_touch.1 AS source, first_touch.2 AS medium, first_touch.3 AS campaign, count() AS people,
           sum(person_leads) AS total_leads, countIf(person_orders > 0) AS customers, sum(person_orders) AS total_orders,
           round(sum(person_revenue), 2) AS total_revenue
         FROM (
           SELECT if(contact_id != '', contact_id, concat('anon:', anonymous_id)) AS person,
             argMinIf((utm_source, utm_medium, utm_campaign), timestamp, utm_source != '' OR utm_campaign != '') AS first_touch,
             countIf(utm_source != '' OR utm_campaign != '') AS touches,
             countIf(type = 'track' AND event IN {leadEvents:Array(String)}) AS person_leads,
             countIf(type = 'track' AND event IN {orderEvents:Array(String)}) AS person_orders,
             sumIf(${REVENUE_SQL}, type = 'track' AND event IN {orderEvents:Array(String)}) AS person_revenue
           FROM ${resolvedInRange(['timestamp', 'type', 'event', 'utm_source', 'utm_medium', 'utm_campaign', 'properties'])}
           GROUP BY person
           HAVING touches > 0
         )
         GROUP BY source, medium, campaign
         ORDER BY total_revenue DESC, people DESC, source LIMIT 100`,
        params,
      )
      return {
        results: rows.map((row) => ({
          source: String(row.source),
          medium: String(row.medium),
          campaign: String(row.campaign),
          visitors: toNumber(row.people),
          leads: toNumber(row.total_leads),
          customers: toNumber(row.customers),
          orders: toNumber(row.total_orders),
          revenue: toNumber(row.total_revenue),
        })),
      }
    },
  })

  router.add({
    method: 'POST',
    url: '/analytics/funnel',
    scope: 'crm:read',
    tag: 'analytics',
    summary: 'An ordered funnel: people reaching each step within a time window of the first',
    description:
      'ClickHouse `windowFunnel`: steps must happen in order, each within `windowSeconds` of the first. A person is a contact (all their devices and browsers) or, before they identify, an anonymous visitor.',
    body: z.strictObject({
      steps: z.array(stepSchema).min(2).max(10),
      windowSeconds: z
        .number()
        .int()
        .min(1)
        .max(90 * 86_400)
        .default(86_400),
      from: rangeSchema.shape.from,
      to: rangeSchema.shape.to,
    }),
    response: z.object({
      steps: z.array(
        z.object({ step: z.number().int(), count: z.number().int(), conversionFromFirst: z.number() }),
      ),
    }),
    handler: async ({ db, body }) => {
      const params = new Params()
      const conditions = body.steps.map((step) => {
        const parts = []
        if (step.type) parts.push(`type = ${params.add(step.type, 'String')}`)
        if (step.event) parts.push(`event = ${params.add(step.event, 'String')}`)
        if (step.pathPrefix) parts.push(`startsWith(path, ${params.add(step.pathPrefix, 'String')})`)
        return `(${parts.join(' AND ')})`
      })
      const rows = await db.rows<{ level: number | string; people: number | string }>(
        `SELECT level, count() AS people FROM (
           SELECT if(contact_id != '', contact_id, anonymous_id) AS person,
             windowFunnel({window:UInt64})(toDateTime(timestamp), ${conditions.join(', ')}) AS level
           FROM ${resolvedInRange(['timestamp', 'type', 'event', 'path'])}
           GROUP BY person
         ) WHERE level > 0 GROUP BY level`,
        {
          ...params.values,
          ...getRangeParams({ from: body.from, to: body.to, includeBots: 'false' }),
          window: body.windowSeconds,
        },
      )
      const reached = body.steps.map((_, i) =>
        rows
          .filter((row) => toNumber(row.level) >= i + 1)
          .reduce((sum, row) => sum + toNumber(row.people), 0),
      )
      return {
        steps: reached.map((count, i) => ({
          step: i + 1,
          count,
          conversionFromFirst: reached[0] ? round(count / reached[0], 4) : 0,
        })),
      }
    },
  })

  router.add({
    method: 'GET',
    url: '/analytics/web-vitals',
    scope: 'crm:read',
    tag: 'analytics',
    summary: 'Core Web Vitals at the 75th percentile per page, with their rating',
    description:
      'From web-vitals events (`Web Vitals`, `Web Vital`, `$web_vitals`) carrying either `{ LCP, INP, CLS, FCP, TTFB }` or `{ name|metric, value }`. Ratings use web.dev thresholds at p75.',
    query: rangeSchema,
    response: z.object({
      results: z.array(
        z.object({
          path: z.string(),
          metric: z.enum(['LCP', 'INP', 'CLS', 'FCP', 'TTFB']),
          p75: z.number(),
          samples: z.number().int(),
          rating: z.enum(['good', 'needs-improvement', 'poor']),
        }),
      ),
    }),
    handler: async ({ db, query }) => {
      const rows = await db.rows<{ path: string; metric: string; p75: number; samples: string | number }>(
        `SELECT path, metric, quantile(0.75)(value) AS p75, count() AS samples FROM (
           SELECT path, arrayJoin(['LCP', 'INP', 'CLS', 'FCP', 'TTFB']) AS metric,
             coalesce(JSONExtract(properties, metric, 'Nullable(Float64)'), JSONExtract(properties, lower(metric), 'Nullable(Float64)'),
               if(upper(JSONExtractString(properties, 'name')) = metric OR upper(JSONExtractString(properties, 'metric')) = metric,
                 JSONExtract(properties, 'value', 'Nullable(Float64)'), NULL)) AS value
           FROM events FINAL WHERE ${RANGE_SQL} AND type = 'track' AND event IN {vitalsEvents:Array(String)}
         )
         WHERE value IS NOT NULL
         GROUP BY path, metric ORDER BY path, metric
         ${FINAL_SETTINGS}`,
        { ...getRangeParams(query), vitalsEvents: VITALS_EVENTS },
      )
      return {
        results: rows.map((row) => {
          const [good, poor] = VITALS_THRESHOLDS[row.metric]!
          const p75 = round(toNumber(row.p75), row.metric === 'CLS' ? 3 : 0)
          return {
            path: row.path,
            metric: row.metric as 'LCP',
            p75,
            samples: toNumber(row.samples),
            rating: p75 <= good ? 'good' : p75 <= poor ? 'needs-improvement' : 'poor',
          } as const
        }),
      }
    },
  })
}
