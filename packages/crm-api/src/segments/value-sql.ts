/**
 * Customer value per contact from order events, in one query (crm-anchors.md B2):
 * - RFM over the value window: R = whole days (24 h) since the last order, F = orders, M = revenue;
 *   each scored 1-5 by quintiles of the tenant's customers (`quantiles(0.2,0.4,0.6,0.8)`; recency
 *   reversed, so the most recent get 5). Days are elapsed time, not `dateDiff('day')`, which counts
 *   midnights in the server's time zone: an order 9 days and an hour old read 10 just after midnight. Equal values share a score, so skewed data does not split ties.
 * - RFM segment from R and F, the widely used 10-segment grid: hibernating 1-2/1-2, at_risk 1-2/3-4,
 *   cant_lose 1-2/5, about_to_sleep 3/1-2, need_attention 3/3, loyal 3-4/4-5, promising 4/1,
 *   new_customers 5/1, potential_loyalists 4-5/2-3, champions 5/4-5 (first match in that order).
 * - Lifecycle: vip (top decile of revenue among ≥ 10 customers, or champions), lapsed (R 1 and ≥ 2
 *   orders), new (first order ≤ 30 days ago), recurring (≥ 2 orders), one_time; `prospect` for
 *   contacts without orders.
 * - CLV: historical = revenue to date (× gross margin); projected = AOV × orders per year (tenure of
 *   at least a year) × lifespan years × gross margin (https://www.feverbee.com/roi/calculating-customer-lifetime-value/).
 * Revenue is `properties.revenue`, else `value`, else `total`, in major units of one currency (no FX).
 */
import { z } from 'zod'
import { getResolvedEventsSql } from '../db/event-sql.js'
import type { TenantDb } from '../db/tenant-db.js'
import { getTenantSetting } from '../db/tenant-settings.js'

export const valueModelSchema = z.strictObject({
  /** Track events that are orders. */
  orderEvents: z.array(z.string().min(1).max(200)).min(1).max(20).default(['Order Completed']),
  /** Orders older than this many days are left out of RFM and CLV. */
  windowDays: z.number().int().min(30).max(3650).default(730),
  /** Share of revenue kept as margin, 0-1. */
  grossMargin: z.number().min(0).max(1).default(1),
  /** Expected customer lifespan for the projected CLV. */
  lifespanYears: z.number().min(0.1).max(50).default(3),
})
export type ValueModel = z.output<typeof valueModelSchema>

export const VALUE_SETTING = 'value_model'

export async function getValueModel(db: TenantDb): Promise<ValueModel> {
  return valueModelSchema.parse((await getTenantSetting(db, VALUE_SETTING)) ?? {})
}

/** Query parameters the value SQL uses. */
export function getValueParams(model: ValueModel): Record<string, unknown> {
  return {
    orderEvents: model.orderEvents,
    windowDays: model.windowDays,
    grossMargin: model.grossMargin,
    lifespanYears: model.lifespanYears,
  }
}

/** A subquery with one row per contact with orders: the columns of {@link ContactValueRow}. */
export const CONTACT_VALUE_SQL = `(
  SELECT contact_id, orders, revenue, first_order_at, last_order_at, recency_days, r, f, m,
    multiIf(
      r <= 2 AND f <= 2, 'hibernating', r <= 2 AND f <= 4, 'at_risk', r <= 2, 'cant_lose',
      r = 3 AND f <= 2, 'about_to_sleep', r = 3 AND f = 3, 'need_attention', r <= 4 AND f >= 4, 'loyal',
      r = 4 AND f = 1, 'promising', r = 5 AND f = 1, 'new_customers', f <= 3, 'potential_loyalists', 'champions'
    ) AS rfm_segment,
    multiIf(
      (customers >= 10 AND revenue >= m90) OR (r = 5 AND f >= 4), 'vip',
      r = 1 AND orders >= 2, 'lapsed',
      first_order_at >= now64(3) - toIntervalDay(30), 'new',
      orders >= 2, 'recurring',
      'one_time'
    ) AS lifecycle,
    round(revenue * {grossMargin:Float64}, 2) AS clv_historical,
    round(revenue / orders * (orders / greatest(dateDiff('second', first_order_at, now64(3)) / (365 * 86400.0), 1))
      * {lifespanYears:Float64} * {grossMargin:Float64}, 2) AS clv_projected
  FROM (
    SELECT *,
      multiIf(recency_days <= rq[1], 5, recency_days <= rq[2], 4, recency_days <= rq[3], 3, recency_days <= rq[4], 2, 1) AS r,
      multiIf(orders <= fq[1], 1, orders <= fq[2], 2, orders <= fq[3], 3, orders <= fq[4], 4, 5) AS f,
      multiIf(revenue <= mq[1], 1, revenue <= mq[2], 2, revenue <= mq[3], 3, revenue <= mq[4], 4, 5) AS m
    FROM (
      SELECT *,
        quantiles(0.2, 0.4, 0.6, 0.8)(recency_days) OVER () AS rq,
        quantiles(0.2, 0.4, 0.6, 0.8)(orders) OVER () AS fq,
        quantiles(0.2, 0.4, 0.6, 0.8)(revenue) OVER () AS mq,
        quantile(0.9)(revenue) OVER () AS m90,
        count() OVER () AS customers
      FROM (
        SELECT contact_id, count() AS orders, round(sum(revenue), 2) AS revenue,
          min(timestamp) AS first_order_at, max(timestamp) AS last_order_at,
          intDiv(dateDiff('second', max(timestamp), now64(3)), 86400) AS recency_days
        FROM (
          SELECT contact_id, timestamp,
            coalesce(JSONExtract(properties, 'revenue', 'Nullable(Float64)'), JSONExtract(properties, 'value', 'Nullable(Float64)'),
              JSONExtract(properties, 'total', 'Nullable(Float64)'), 0) AS revenue
          FROM ${getResolvedEventsSql(
            ['timestamp', 'properties'],
            `type = 'track' AND event IN {orderEvents:Array(String)} AND timestamp >= now64(3) - toIntervalDay({windowDays:UInt32})`,
          )}
          WHERE contact_id != ''
        )
        GROUP BY contact_id
      )
    )
  )
)`

export interface ContactValueRow {
  contact_id: string
  orders: number | string
  revenue: number
  first_order_at: string
  last_order_at: string
  recency_days: number | string
  r: number
  f: number
  m: number
  rfm_segment: string
  lifecycle: string
  clv_historical: number
  clv_projected: number
}
