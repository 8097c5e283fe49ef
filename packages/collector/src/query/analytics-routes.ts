/**
 * The web analytics API the dashboard reads (secret key or dashboard session, any role), each
 * answered by one to three ClickHouse queries run in parallel:
 * - `GET /v1/analytics/overview?from&to&site`: totals with the previous period, and a time series;
 * - `GET /v1/analytics/breakdown?by=pages,urls,entry,exit,sources,campaigns,devices,browsers,os,countries`
 *   (one or more): `{ breakdowns: [{ breakdown, countOf, results }] }`;
 * - `GET /v1/analytics/live?site`: visitors in the last 5 minutes;
 * - `POST /v1/analytics/funnel { steps: [{ event } | { path }], windowSeconds, from, to, site }`;
 * - `GET /v1/analytics/web-vitals?from&to&site`: p75 per metric, overall and per page.
 * Days and hours are the tenant's (`timeZone`), money its `currency`; automated traffic is left out.
 */
import type { ClickHouseClient } from '@clickhouse/client'
import type { FastifyInstance, FastifyRequest } from 'fastify'
import { z } from 'zod'
import type { TenantConfig } from '../config/config-schema.js'
import type { KeyRing } from '../config/key-ring.js'
import { getRange, parseInput, rangeQuerySchema } from './analytics/analytics-range.js'
import { BREAKDOWNS, getBreakdowns } from './analytics/get-breakdown.js'
import { funnelBodySchema, getFunnel } from './analytics/get-funnel.js'
import { getOverview } from './analytics/get-overview.js'
import { getVisitorsNow } from './analytics/get-visitors-now.js'
import { getWebVitals } from './analytics/get-web-vitals.js'
import { requireSecretKey } from './require-key.js'

export interface AnalyticsRoutesOptions {
  client: ClickHouseClient
  keyRing: KeyRing
  tenants: readonly TenantConfig[]
}

/** `by`: one breakdown or several, comma-separated (one request for a whole view). */
const breakdownQuerySchema = rangeQuerySchema.extend({
  by: z
    .string()
    .transform((value) => [...new Set(value.split(','))])
    .pipe(z.array(z.enum(BREAKDOWNS)).min(1)),
})
const liveQuerySchema = z.strictObject({ site: z.string().max(64).optional() })

export async function analyticsRoutes(
  fastify: FastifyInstance,
  options: AnalyticsRoutesOptions,
): Promise<void> {
  const { client, keyRing } = options
  const tenants = new Map(options.tenants.map((tenant) => [tenant.id, tenant]))

  /** The caller's tenant with its time zone and currency. */
  function getTenant(request: FastifyRequest) {
    const { tenantId } = requireSecretKey(request, keyRing)
    const tenant = tenants.get(tenantId)
    return { tenantId, timeZone: tenant?.timeZone ?? 'UTC', currency: tenant?.currency ?? 'EUR' }
  }

  fastify.get('/v1/analytics/overview', async (request) => {
    const tenant = getTenant(request)
    return getOverview(client, getRange(parseInput(rangeQuerySchema, request.query, 'query'), tenant))
  })

  fastify.get('/v1/analytics/breakdown', async (request) => {
    const tenant = getTenant(request)
    const query = parseInput(breakdownQuerySchema, request.query, 'query')
    const range = getRange(query, tenant)
    return { breakdowns: await getBreakdowns(client, range, query.by) }
  })

  fastify.get('/v1/analytics/live', async (request) => {
    const { tenantId } = getTenant(request)
    const query = parseInput(liveQuerySchema, request.query, 'query')
    return getVisitorsNow(client, tenantId, query.site ?? '')
  })

  fastify.post('/v1/analytics/funnel', async (request) => {
    const tenant = getTenant(request)
    const body = parseInput(funnelBodySchema, request.body, 'body')
    return getFunnel(client, getRange(body, tenant), body.steps, body.windowSeconds)
  })

  fastify.get('/v1/analytics/web-vitals', async (request) => {
    const tenant = getTenant(request)
    return getWebVitals(client, getRange(parseInput(rangeQuerySchema, request.query, 'query'), tenant))
  })
}
