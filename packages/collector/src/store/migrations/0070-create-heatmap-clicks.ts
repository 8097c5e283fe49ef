import { HEATMAP_EVENT } from '@rastro/schema'
import type { Migration } from '../run-migrations.js'
import { renderCreateTable, renderCreateView } from '../render-create-table.js'

/** Clamps a JSON number to [min, max] (ingest validated it; this keeps the view total). */
const clamp = (json: string, key: string, min: number, max: number) =>
  `least(greatest(JSONExtractFloat(${json}, '${key}'), ${min}), ${max})`

/**
 * `heatmap_clicks`: one row per click point of a `$heatmap` event, filled by a materialized view
 * over `events` at insert, so the points are queryable as soon as their event is, with no second
 * consumer to keep in step, and an event the writer re-inserts after a crash is deduplicated with
 * its block before the view sees it. Ingest validated the points (`@rastro/schema`), and the view
 * uses only functions that cannot fail (`JSONExtract*`, clamps), so it can never make an events
 * insert fail.
 *
 * `url` is the page URL without query string and fragment (campaign parameters would split a
 * page's clicks); `device` the class of the viewport width (< 768 mobile, < 1024 tablet, else
 * desktop). Sorted by tenant, page, device and day, which is what `GET /v1/heatmaps` reads; the
 * message id and point index end the key, so `FINAL` collapses a point stored twice (a duplicate
 * event outside the dedup window). Expires with its event's retention.
 */
export const createHeatmapClicks: Migration = {
  version: 70,
  name: 'create heatmap_clicks',
  statements: (target) => [
    ...renderCreateTable(target, {
      name: 'heatmap_clicks',
      columns: `  tenant_id LowCardinality(String),
  site_id LowCardinality(String),
  url String,
  device LowCardinality(String),
  timestamp DateTime64(3, 'UTC'),
  message_id String,
  idx UInt16,
  x Int32,
  y Int32,
  w UInt32,
  selector String CODEC(ZSTD(3)),
  ox Float32,
  oy Float32,
  page_height UInt32,
  bot UInt8,
  retention_days UInt16`,
      engine: 'ReplacingMergeTree',
      partitionBy: 'toYYYYMM(timestamp)',
      orderBy: '(tenant_id, url, device, toDate(timestamp), cityHash64(message_id), idx)',
      ttl: 'toDateTime(timestamp) + toIntervalDay(retention_days)',
      shardingKey: 'cityHash64(message_id)',
    }),
    renderCreateView(target, {
      name: 'heatmap_clicks_mv',
      to: 'heatmap_clicks',
      source: 'events',
      select: `SELECT tenant_id, site_id, page_url AS url,
  multiIf(w < 768, 'mobile', w < 1024, 'tablet', 'desktop') AS device,
  timestamp, message_id, toUInt16(n) AS idx,
  toInt32(${clamp('point', 'x', -1e6, 1e6)}) AS x,
  toInt32(${clamp('point', 'y', -1e6, 1e6)}) AS y,
  toUInt32(${clamp('point', 'w', 0, 1e5)}) AS w,
  JSONExtractString(point, 's') AS selector,
  toFloat32(${clamp('point', 'ox', 0, 1)}) AS ox,
  toFloat32(${clamp('point', 'oy', 0, 1)}) AS oy,
  toUInt32(${clamp('properties', 'pageHeight', 0, 1e6)}) AS page_height,
  bot, retention_days
FROM (
  SELECT tenant_id, site_id, cutQueryStringAndFragment(url) AS page_url, timestamp, message_id, properties, bot, retention_days,
    JSONExtractArrayRaw(properties, 'points') AS points
  FROM {source}
  WHERE type = 'track' AND event = '${HEATMAP_EVENT}'
)
ARRAY JOIN points AS point, arrayEnumerate(points) AS n`,
    }),
  ],
}
