/**
 * Turns a decoded frame's records into rows: events into `events` (type `track`, so a tap or a
 * purchase joins the customer's timeline through `user_id`) and readings into `telemetry`.
 *
 * Time: a record happened `sentUptimeMs - uptimeMs` before the frame was sent, and the frame
 * was sent when it arrived, so `timestamp = receivedAt - (sentUptimeMs - uptimeMs)`, whatever
 * the device's clock says (spec/PROTOCOL.md "Time"). The device clock, when it has one, is kept
 * as `device_time` if it falls within 365 days before to 5 minutes after receipt (Memfault's
 * window, https://docs.memfault.com/docs/mcu/event-timestamps). Records of an earlier boot
 * (no send uptime) are placed before the receipt by their uptime distance to the newest one.
 */
import type { DeviceRecord, EventRecord, FrameHeader, ReadingRecord } from '@rastro/device'
import type { SiteRef } from '../../config/key-ring.js'
import { toClickHouseTime, type EventRow } from '../event-row.js'
import { createRow } from '../steps/index.js'
import type { TelemetryRow, TimeQuality } from './telemetry-row.js'

/** Device clocks are believed from 365 days before receipt (ms)… */
export const DEVICE_TIME_MAX_PAST_MS = 365 * 86_400_000
/** …to 5 minutes after it (ms). */
export const DEVICE_TIME_MAX_FUTURE_MS = 5 * 60_000

/** What the transport tells about the frame. */
export interface DeviceRequest {
  tenantId: string
  retentionDays: number
  /** Server time the frame arrived (epoch ms). */
  receivedAt: number
  /** Anonymised client IP, `''` when unknown (MQTT). */
  ip: string
}

interface RecordTimes {
  timestamp: number
  deviceTime: number | null
  quality: TimeQuality
}

function getRecordTimes(
  header: FrameHeader,
  uptimeMs: number,
  newestUptimeMs: number,
  receivedAt: number,
): RecordTimes {
  if (header.sentUptimeMs === undefined) {
    return {
      timestamp: receivedAt - Math.max(0, newestUptimeMs - uptimeMs),
      deviceTime: null,
      quality: 'received',
    }
  }
  const ageMs = Math.max(0, header.sentUptimeMs - uptimeMs)
  const clock = header.unixMs !== undefined && header.timeSource !== 'none' ? header.unixMs - ageMs : null
  const plausible =
    clock !== null &&
    clock >= receivedAt - DEVICE_TIME_MAX_PAST_MS &&
    clock <= receivedAt + DEVICE_TIME_MAX_FUTURE_MS
  return { timestamp: receivedAt - ageMs, deviceTime: plausible ? clock : null, quality: 'uptime' }
}

function createEventRow(
  header: FrameHeader,
  record: EventRecord,
  times: RecordTimes,
  request: DeviceRequest,
): EventRow {
  const site: SiteRef = {
    tenantId: request.tenantId,
    siteId: 'device',
    allowedOrigins: new Set(),
    retentionDays: request.retentionDays,
    // Device events carry no user agent to parse or judge, and device keys have no rate limit.
    enrichment: { parseUserAgent: false, detectBots: false, country: false },
    rateLimit: undefined,
  }
  const row = createRow({
    site,
    receivedAt: request.receivedAt,
    sentAt: undefined,
    ip: request.ip,
    userAgent: '',
  })
  const sentAt = header.unixMs !== undefined && times.deviceTime !== null ? header.unixMs : null
  return {
    ...row,
    // Deterministic: a resent record gets the same id (ReplacingMergeTree's key).
    message_id: `device:${header.deviceId}:${header.bootId}:${record.seq}`,
    event: record.name,
    anonymous_id: `device:${header.deviceId}`,
    user_id: record.userId ?? '',
    session_id: `${header.deviceId}:${header.bootId}`,
    timestamp: toClickHouseTime(times.timestamp),
    original_timestamp: times.deviceTime === null ? null : toClickHouseTime(times.deviceTime),
    sent_at: sentAt === null ? null : toClickHouseTime(sentAt),
    device_type: 'embedded',
    ip: request.ip,
    library_name: '@rastro/device',
    library_version: String(header.version),
    properties: JSON.stringify(record.properties),
    context: JSON.stringify({
      device: {
        id: header.deviceId,
        bootId: header.bootId,
        seq: record.seq,
        uptimeMs: record.uptimeMs,
        timeQuality: times.quality,
        ...(header.firmware ? { firmware: header.firmware } : {}),
      },
      library: { name: '@rastro/device', version: String(header.version) },
    }),
  }
}

function createTelemetryRow(
  header: FrameHeader,
  record: ReadingRecord,
  times: RecordTimes,
  request: DeviceRequest,
): TelemetryRow {
  return {
    tenant_id: request.tenantId,
    device_id: header.deviceId,
    metric: record.metric,
    boot_id: header.bootId,
    seq: record.seq,
    timestamp: toClickHouseTime(times.timestamp),
    value: record.value,
    unit: record.unit ?? '',
    device_time: times.deviceTime === null ? null : toClickHouseTime(times.deviceTime),
    received_at: toClickHouseTime(request.receivedAt),
    time_quality: times.quality,
    retention_days: request.retentionDays,
  }
}

/**
 * @param records the records to store (those of the frame not stored before).
 * @param newestUptimeMs the highest uptime in the whole frame (for records of an earlier boot).
 */
export function createDeviceRows(
  header: FrameHeader,
  records: readonly DeviceRecord[],
  newestUptimeMs: number,
  request: DeviceRequest,
): { events: EventRow[]; telemetry: TelemetryRow[] } {
  const events: EventRow[] = []
  const telemetry: TelemetryRow[] = []
  for (const record of records) {
    if (record.type === 'rejected') continue
    const times = getRecordTimes(header, record.uptimeMs, newestUptimeMs, request.receivedAt)
    if (record.type === 'event') events.push(createEventRow(header, record, times, request))
    else telemetry.push(createTelemetryRow(header, record, times, request))
  }
  return { events, telemetry }
}
