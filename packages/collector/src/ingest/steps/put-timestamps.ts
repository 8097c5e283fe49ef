import { toClickHouseTime } from '../event-row.js'
import type { Step } from '../pipeline.js'

/**
 * Accepted event times (epoch ms). `DateTime64` holds 1900-2299
 * (https://clickhouse.com/docs/sql-reference/data-types/datetime64), but the `events` TTL adds up
 * to 3,650 days to `toDateTime(timestamp)`, whose range ends in 2106: a later time would wrap
 * and the row would be deleted on insert. So: 1900 to the end of 2095.
 */
const MIN_MS = Date.UTC(1900, 0, 1)
const MAX_MS = Date.UTC(2095, 11, 31, 23, 59, 59, 999)

function inRange(ms: number | undefined): ms is number {
  return ms !== undefined && ms >= MIN_MS && ms <= MAX_MS
}

/**
 * Puts `timestamp` corrected for the client's clock skew, as Segment does:
 * `timestamp + (receivedAt - sentAt)` (https://segment.com/docs/connections/spec/common/#timestamps).
 * Without a client timestamp the event happened when it arrived. Rejects an event whose
 * corrected time ClickHouse cannot store; a client `sentAt` out of that range is ignored.
 */
export const putTimestamps: Step = {
  name: 'putTimestamps',
  run({ event, row, request }) {
    const timestamp = event.timestamp === undefined ? undefined : Date.parse(event.timestamp)
    const givenSentAt = event.sentAt === undefined ? request.sentAt : Date.parse(event.sentAt)
    const sentAt = inRange(givenSentAt) ? givenSentAt : undefined
    const skewMs = sentAt === undefined ? 0 : request.receivedAt - sentAt
    const corrected = timestamp === undefined ? request.receivedAt : timestamp + skewMs
    if (!inRange(corrected) || (timestamp !== undefined && !inRange(timestamp))) {
      return {
        code: 'RASTRO_ERR_EVENT_INVALID',
        message: 'timestamp: must be between 1900-01-01 and 2095-12-31 after clock-skew correction',
        field: 'timestamp',
      }
    }
    row.timestamp = toClickHouseTime(corrected)
    row.original_timestamp = timestamp === undefined ? null : toClickHouseTime(timestamp)
    row.sent_at = sentAt === undefined ? null : toClickHouseTime(sentAt)
    return undefined
  },
}
