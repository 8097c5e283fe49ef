/**
 * The decoded form of a frame (what `decodeFrame` returns and `encodeFrame` takes). Times are
 * milliseconds; record uptimes are absolute within their boot (the wire carries deltas).
 */

/** Where the device's clock came from (header key 6). */
export type TimeSource = 'none' | 'sntp' | 'gps' | 'rtc'

/** Wire values of {@link TimeSource}, by index. */
export const TIME_SOURCES: readonly TimeSource[] = ['none', 'sntp', 'gps', 'rtc']

export interface FrameHeader {
  version: number
  /** Device id, lower-case hex (6 to 16 bytes on the wire). */
  deviceId: string
  /** Boot the records belong to (uint32, +1 per boot). */
  bootId: number
  /** Sequence number of the first record; record i has `seqFirst + i`. */
  seqFirst: number
  /** Device uptime when it sent the frame (ms); absent when the records are of an earlier boot. */
  sentUptimeMs?: number
  /** Device clock when it sent the frame (ms since 1970, UTC). */
  unixMs?: number
  timeSource?: TimeSource
  /** Firmware version. */
  firmware?: string
}

/** A property value of an event. */
export type PropertyValue = number | string | boolean

export interface EventRecord {
  type: 'event'
  seq: number
  /** Device uptime when it happened (ms since its boot). */
  uptimeMs: number
  name: string
  properties: Record<string, PropertyValue>
  /** The customer's id, so the event joins their timeline. */
  userId?: string
}

export interface ReadingRecord {
  type: 'reading'
  seq: number
  uptimeMs: number
  metric: string
  value: number
  unit?: string
}

/** A record the codec could not accept; it is still acknowledged so the device frees it. */
export interface RejectedRecord {
  type: 'rejected'
  seq: number
  uptimeMs: number
  code: 'RASTRO_ERR_DEVICE_RECORD_INVALID'
  message: string
  /** What to blame inside the record (`name`, `properties.qty`). */
  field?: string
}

export type DeviceRecord = EventRecord | ReadingRecord | RejectedRecord

export interface DeviceFrame {
  header: FrameHeader
  records: DeviceRecord[]
}

/** The collector's answer to a stored frame. */
export interface FrameAck {
  bootId: number
  /** Highest sequence number stored with every one before it (from this frame's first). */
  ackedThrough: number
  /** Records stored by this frame. */
  stored: number
  /** Records of this frame that were already stored (a resend). */
  duplicates: number
  /** Records refused as invalid (acknowledged too: they will never be valid). */
  rejected: number
}

/** An error answer on MQTT (HTTP answers use their status and a JSON error body). */
export interface FrameAckError {
  /** HTTP status with the same meaning (400, 401, 403, 413, 503). */
  status: number
  code: string
}
