/**
 * Fills the dedup index at start: the `(tenant, messageId)` pairs ClickHouse received within the
 * window, and those still in the log ahead of the writer (acknowledged, not yet inserted). So a
 * client that retries across a collector restart still gets its copy dropped.
 */
import type { ClickHouseClient } from '@clickhouse/client'
import { payloadLines } from '../ingest/decode-event-rows.js'
import { DedupIndex } from '../ingest/dedup-index.js'
import { EVENT_COLUMNS } from '../ingest/encode-event-rows.js'
import type { SegmentLog } from '../log/segment-log.js'

const TENANT = EVENT_COLUMNS.indexOf('tenant_id')
const MESSAGE_ID = EVENT_COLUMNS.indexOf('message_id')
const RECEIVED_AT = EVENT_COLUMNS.indexOf('received_at')

export interface LoadDedupIndexOptions {
  client: ClickHouseClient
  log: SegmentLog
  /** Where the ClickHouse writer's cursor is: records from here on are not in ClickHouse yet. */
  from: number
  index: DedupIndex
  windowHours: number
  maxIds: number
}

/** @returns how many pairs were loaded from ClickHouse and from the log. */
export async function loadDedupIndex(
  options: LoadDedupIndexOptions,
): Promise<{ clickhouse: number; log: number }> {
  const { client, index, log } = options
  const now = Date.now()
  const result = await client.query({
    query: `SELECT tenant_id, message_id, toUnixTimestamp64Milli(received_at) AS at FROM events
      WHERE received_at >= now64(3) - toIntervalHour({hours:UInt32}) LIMIT {limit:UInt64}`,
    query_params: { hours: options.windowHours, limit: options.maxIds },
    format: 'JSONCompactEachRow',
  })
  let clickhouse = 0
  for await (const rows of result.stream<[string, string, string]>()) {
    for (const row of rows) {
      const [tenant, messageId, at] = row.json()
      index.add(DedupIndex.hash(tenant, messageId), Number(at), now)
      clickhouse++
    }
  }
  let fromLog = 0
  let position = options.from
  while (position < log.readableEnd) {
    const { records, next } = await log.read(position, 16 * 1024 * 1024)
    for (const record of records) {
      for (const line of payloadLines(record.payload)) {
        const values = JSON.parse(line) as string[]
        const at = Date.parse(`${values[RECEIVED_AT]!.replace(' ', 'T')}Z`)
        index.add(DedupIndex.hash(values[TENANT]!, values[MESSAGE_ID]!), at, now)
        fromLog++
      }
    }
    if (next <= position) break
    position = next
  }
  return { clickhouse, log: fromLog }
}
