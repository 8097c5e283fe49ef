import { toClickHouseTime } from '../event-row.js'
import type { Step } from '../pipeline.js'

/**
 * Puts `timestamp` corrected for the client's clock skew, as Segment does:
 * `timestamp + (receivedAt - sentAt)` (https://segment.com/docs/connections/spec/common/#timestamps).
 * Without a client timestamp the event happened when it arrived.
 */
export const putTimestamps: Step = {
  name: 'putTimestamps',
  run({ event, row, request }) {
    const timestamp = event.timestamp === undefined ? undefined : Date.parse(event.timestamp)
    const sentAt = event.sentAt === undefined ? request.sentAt : Date.parse(event.sentAt)
    const skewMs = sentAt === undefined ? 0 : request.receivedAt - sentAt
    row.timestamp = toClickHouseTime(timestamp === undefined ? request.receivedAt : timestamp + skewMs)
    row.original_timestamp = timestamp === undefined ? null : toClickHouseTime(timestamp)
    row.sent_at = sentAt === undefined ? null : toClickHouseTime(sentAt)
    return undefined
  },
}
