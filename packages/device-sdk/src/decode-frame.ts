/**
 * Decodes a device frame (spec/PROTOCOL.md): size cap, CRC-32, a non-allocating structure walk,
 * cbor-x with tight limits, then the schema of spec/frame.cddl. A frame that breaks a rule is
 * refused whole with a `DeviceFrameError`; a record that breaks a record rule is returned as a
 * `rejected` record so the others are stored and the device can still free it.
 */
import { Decoder, setSizeLimits } from 'cbor-x'
import { DeviceFrameError } from './device-frame-error.js'
import {
  TIME_SOURCES,
  type DeviceFrame,
  type DeviceRecord,
  type EventRecord,
  type FrameHeader,
  type PropertyValue,
  type ReadingRecord,
} from './frame-types.js'
import { getCrc32 } from './get-crc32.js'
import {
  MAX_DEVICE_ID_BYTES,
  MAX_FIRMWARE_BYTES,
  MAX_FRAME_BYTES,
  MAX_MAP_PAIRS,
  MAX_METRIC_BYTES,
  MAX_NAME_BYTES,
  MAX_PROPERTY_KEY_BYTES,
  MAX_PROPERTY_TEXT_BYTES,
  MAX_RECORDS,
  MAX_UINT32,
  MAX_UNIT_BYTES,
  MAX_USER_ID_BYTES,
  MIN_DEVICE_ID_BYTES,
  PROTOCOL_VERSION,
} from './limits.js'
import { validateCborStructure } from './validate-cbor-structure.js'

// cbor-x's defaults allow 112,810,000-item arrays; the walk already bounds counts, this is a
// second line (the function is global to cbor-x: the device codec is its only user here).
setSizeLimits({ maxArraySize: MAX_RECORDS, maxMapSize: MAX_MAP_PAIRS, maxObjectSize: MAX_MAP_PAIRS })
const decoder = new Decoder({ mapsAsObjects: false, useRecords: false })
const textEncoder = new TextEncoder()

function invalid(field: string, message: string): DeviceFrameError {
  return new DeviceFrameError('RASTRO_ERR_DEVICE_FRAME_INVALID', `${field}: ${message}`, { field })
}

/** A non-negative safe integer (cbor-x gives bigint for 64-bit arguments), else undefined. */
function toUint(value: unknown, max = Number.MAX_SAFE_INTEGER): number | undefined {
  const number = typeof value === 'bigint' && value <= BigInt(max) ? Number(value) : value
  return typeof number === 'number' && Number.isInteger(number) && number >= 0 && number <= max
    ? number
    : undefined
}

function getByteLength(text: string): number {
  return textEncoder.encode(text).length
}

function isText(value: unknown, minBytes: number, maxBytes: number): value is string {
  if (typeof value !== 'string') return false
  const bytes = getByteLength(value)
  return bytes >= minBytes && bytes <= maxBytes
}

function toHex(bytes: Uint8Array): string {
  return Array.from(bytes, (byte) => byte.toString(16).padStart(2, '0')).join('')
}

function decodeItem(bytes: Uint8Array): unknown {
  try {
    return decoder.decode(bytes)
  } catch (error) {
    // The walk accepts only what cbor-x reads; reaching here is a walk/decoder mismatch.
    throw new DeviceFrameError(
      'RASTRO_ERR_DEVICE_CBOR_MALFORMED',
      `CBOR decoder: ${(error as Error).message}`,
    )
  }
}

function readHeader(value: unknown): FrameHeader {
  if (!(value instanceof Map)) throw invalid('header', 'the first item must be the header map')
  for (const key of value.keys()) {
    if (typeof key !== 'number') throw invalid('header', 'header keys are unsigned integers')
  }
  const version = toUint(value.get(0))
  if (version === undefined) throw invalid('header.version', 'key 0 must be the protocol version')
  if (version !== PROTOCOL_VERSION) {
    throw new DeviceFrameError(
      'RASTRO_ERR_DEVICE_FRAME_VERSION',
      `protocol version ${version} is not supported (this collector reads ${PROTOCOL_VERSION})`,
      { field: 'header.version' },
    )
  }
  const deviceId = value.get(1)
  if (
    !(deviceId instanceof Uint8Array) ||
    deviceId.length < MIN_DEVICE_ID_BYTES ||
    deviceId.length > MAX_DEVICE_ID_BYTES
  ) {
    throw invalid(
      'header.deviceId',
      `key 1 must be a byte string of ${MIN_DEVICE_ID_BYTES} to ${MAX_DEVICE_ID_BYTES} bytes`,
    )
  }
  const bootId = toUint(value.get(2), MAX_UINT32)
  if (bootId === undefined) throw invalid('header.bootId', 'key 2 must be a uint32')
  const seqFirst = toUint(value.get(3), MAX_UINT32)
  if (seqFirst === undefined) throw invalid('header.seqFirst', 'key 3 must be a uint32')
  const header: FrameHeader = { version, deviceId: toHex(deviceId), bootId, seqFirst }
  if (value.has(4)) {
    header.sentUptimeMs = toUint(value.get(4))
    if (header.sentUptimeMs === undefined)
      throw invalid('header.sentUptimeMs', 'key 4 must be an unsigned integer')
  }
  if (value.has(5) || value.has(6)) {
    const unixMs = toUint(value.get(5))
    const source = toUint(value.get(6), TIME_SOURCES.length - 1)
    if (unixMs === undefined || source === undefined || header.sentUptimeMs === undefined) {
      throw invalid('header.unixMs', 'keys 5 (unix ms) and 6 (time source 0-3) go together, with key 4')
    }
    header.unixMs = unixMs
    header.timeSource = TIME_SOURCES[source]!
  }
  if (value.has(7)) {
    const firmware = value.get(7)
    if (!isText(firmware, 1, MAX_FIRMWARE_BYTES)) {
      throw invalid('header.firmware', `key 7 must be text of 1 to ${MAX_FIRMWARE_BYTES} bytes`)
    }
    header.firmware = firmware
  }
  return header
}

/** A record rule broken: the record is rejected, the frame goes on. */
class RecordRejection {
  constructor(
    readonly message: string,
    readonly field?: string,
  ) {}
}

function readProperties(value: unknown): Record<string, PropertyValue> {
  if (!(value instanceof Map)) throw new RecordRejection('properties must be a map', 'properties')
  const properties: Record<string, PropertyValue> = Object.create(null)
  for (const [key, item] of value) {
    if (!isText(key, 1, MAX_PROPERTY_KEY_BYTES)) {
      throw new RecordRejection(
        `property keys are text of 1 to ${MAX_PROPERTY_KEY_BYTES} bytes`,
        'properties',
      )
    }
    const field = `properties.${key}`
    if (typeof item === 'boolean') properties[key] = item
    else if (typeof item === 'string') {
      if (getByteLength(item) > MAX_PROPERTY_TEXT_BYTES) {
        throw new RecordRejection(`text values are at most ${MAX_PROPERTY_TEXT_BYTES} bytes`, field)
      }
      properties[key] = item
    } else if (typeof item === 'number' && Number.isFinite(item)) properties[key] = item
    else if (typeof item === 'bigint' && toUint(item < 0n ? -item : item) !== undefined)
      properties[key] = Number(item)
    else
      throw new RecordRejection(
        'values are finite numbers (within ±2^53 for integers), text or booleans',
        field,
      )
  }
  // A plain object for JSON, with keys in a stable order.
  return { ...properties }
}

/** Reads record `item` of type `kind`, given its place in the frame. */
function readRecord(
  kind: number,
  item: unknown[],
  seq: number,
  uptimeMs: number,
): EventRecord | ReadingRecord {
  if (kind === 0) {
    if (item.length > 5) throw new RecordRejection('an event has at most 5 items')
    const [, , name, properties, userId] = item
    if (!isText(name, 1, MAX_NAME_BYTES)) {
      throw new RecordRejection(`the event name is text of 1 to ${MAX_NAME_BYTES} bytes`, 'name')
    }
    const body: EventRecord = {
      type: 'event',
      seq,
      uptimeMs,
      name,
      properties: item.length > 3 ? readProperties(properties) : {},
    }
    if (item.length > 4) {
      if (!isText(userId, 1, MAX_USER_ID_BYTES)) {
        throw new RecordRejection(`the user id is text of 1 to ${MAX_USER_ID_BYTES} bytes`, 'userId')
      }
      body.userId = userId
    }
    return body
  }
  if (kind === 1) {
    if (item.length < 4 || item.length > 5) throw new RecordRejection('a reading has 4 or 5 items')
    const [, , metric, raw, unit] = item
    if (!isText(metric, 1, MAX_METRIC_BYTES)) {
      throw new RecordRejection(`the metric is text of 1 to ${MAX_METRIC_BYTES} bytes`, 'metric')
    }
    const value = typeof raw === 'bigint' && toUint(raw < 0n ? -raw : raw) !== undefined ? Number(raw) : raw
    if (typeof value !== 'number' || !Number.isFinite(value)) {
      throw new RecordRejection('the value is a finite number', 'value')
    }
    const body: ReadingRecord = { type: 'reading', seq, uptimeMs, metric, value }
    if (item.length > 4) {
      if (!isText(unit, 1, MAX_UNIT_BYTES)) {
        throw new RecordRejection(`the unit is text of 1 to ${MAX_UNIT_BYTES} bytes`, 'unit')
      }
      body.unit = unit
    }
    return body
  }
  throw new RecordRejection(`record type ${kind} is not known to this collector`, 'type')
}

function readRecords(value: unknown, header: FrameHeader): DeviceRecord[] {
  if (!Array.isArray(value)) throw invalid('records', 'the second item must be the array of records')
  if (value.length === 0) throw invalid('records', 'a frame holds at least one record')
  if (header.seqFirst + value.length - 1 > MAX_UINT32) {
    throw invalid('header.seqFirst', 'the records would run past sequence number 2^32 - 1')
  }
  let uptimeMs = 0
  return value.map((item: unknown, index): DeviceRecord => {
    const field = `records[${index}]`
    if (!Array.isArray(item) || item.length < 2)
      throw invalid(field, 'a record is an array [type, time, ...]')
    const kind = toUint(item[0])
    if (kind === undefined) throw invalid(`${field}[0]`, 'the record type is an unsigned integer')
    const time = toUint(item[1])
    if (time === undefined) throw invalid(`${field}[1]`, 'the record time is an unsigned integer (ms)')
    // The first record carries its uptime, the others the ms since the record before.
    uptimeMs = index === 0 ? time : uptimeMs + time
    if (uptimeMs > Number.MAX_SAFE_INTEGER) throw invalid(`${field}[1]`, 'the uptime overflows')
    const seq = header.seqFirst + index
    try {
      return readRecord(kind, item, seq, uptimeMs)
    } catch (error) {
      if (!(error instanceof RecordRejection)) throw error
      return {
        type: 'rejected',
        seq,
        uptimeMs,
        code: 'RASTRO_ERR_DEVICE_RECORD_INVALID',
        message: error.message,
        ...(error.field ? { field: error.field } : {}),
      }
    }
  })
}

/**
 * Decodes and validates one frame: `CBOR header map, CBOR records array, CRC-32 big-endian`
 * (spec/PROTOCOL.md). Record uptimes come back absolute (the wire carries deltas).
 *
 * @param bytes the whole frame, at most {@link MAX_FRAME_BYTES} (64 KiB).
 * @throws DeviceFrameError `RASTRO_ERR_DEVICE_FRAME_TOO_LARGE` (over 64 KiB), `_FRAME_TRUNCATED`,
 *   `_FRAME_CRC_MISMATCH`, `_FRAME_TRAILING_BYTES`, `_CBOR_*` (malformed, indefinite length, tag,
 *   too deep, length too large, duplicate key), `_FRAME_VERSION`, `_FRAME_INVALID` (with `field`).
 */
export function decodeFrame(bytes: Uint8Array): DeviceFrame {
  if (bytes.length > MAX_FRAME_BYTES) {
    throw new DeviceFrameError(
      'RASTRO_ERR_DEVICE_FRAME_TOO_LARGE',
      `the frame is ${bytes.length} bytes; the limit is ${MAX_FRAME_BYTES}`,
    )
  }
  if (bytes.length < 5) {
    throw new DeviceFrameError(
      'RASTRO_ERR_DEVICE_FRAME_TRUNCATED',
      `the frame is ${bytes.length} bytes: too short for CBOR and a 4-byte CRC`,
    )
  }
  const body = bytes.subarray(0, bytes.length - 4)
  const sent = new DataView(bytes.buffer, bytes.byteOffset + body.length, 4).getUint32(0)
  const computed = getCrc32(body)
  if (sent !== computed) {
    throw new DeviceFrameError(
      'RASTRO_ERR_DEVICE_FRAME_CRC_MISMATCH',
      `CRC-32 is 0x${sent.toString(16).padStart(8, '0')}; the bytes give 0x${computed.toString(16).padStart(8, '0')}`,
      { offset: body.length },
    )
  }
  const [headerEnd, recordsEnd] = validateCborStructure(body, 2)
  if (recordsEnd === undefined) throw invalid('records', 'the frame has a header but no records')
  const header = readHeader(decodeItem(body.subarray(0, headerEnd)))
  return { header, records: readRecords(decodeItem(body.subarray(headerEnd, recordsEnd)), header) }
}
