/**
 * Encodes a frame in the protocol's deterministic form (spec/PROTOCOL.md), byte for byte what the
 * C library sends for the same records: for gateways and simulators written in TypeScript, and
 * to check the shared vectors.
 */
import { CborWriter, compareTextKeys } from './cbor-writer.js'
import { TIME_SOURCES, type DeviceFrame, type DeviceRecord } from './frame-types.js'
import { getCrc32 } from './get-crc32.js'

function fromHex(hex: string): Uint8Array {
  if (!/^(?:[0-9a-f]{2})+$/i.test(hex)) throw new TypeError(`device id "${hex}" is not hex`)
  return Uint8Array.from(hex.match(/../g)!, (pair) => parseInt(pair, 16))
}

function writeRecord(writer: CborWriter, record: DeviceRecord, time: number): void {
  if (record.type === 'event') {
    const keys = Object.keys(record.properties).sort(compareTextKeys)
    const hasUser = record.userId !== undefined
    const hasProperties = keys.length > 0 || hasUser
    writer.array(3 + (hasProperties ? 1 : 0) + (hasUser ? 1 : 0))
    writer.uint(0).uint(time).text(record.name)
    if (hasProperties) {
      writer.map(keys.length)
      for (const key of keys) {
        const value = record.properties[key]!
        writer.text(key)
        if (typeof value === 'string') writer.text(value)
        else if (typeof value === 'boolean') writer.bool(value)
        else writer.number(value)
      }
    }
    if (hasUser) writer.text(record.userId!)
  } else if (record.type === 'reading') {
    writer.array(record.unit === undefined ? 4 : 5)
    writer.uint(1).uint(time).text(record.metric).number(record.value)
    if (record.unit !== undefined) writer.text(record.unit)
  } else {
    throw new TypeError(`record ${record.seq} was rejected when decoded and cannot be encoded`)
  }
}

/**
 * @returns the frame's bytes: header map, records array, CRC-32 (big-endian).
 * @throws TypeError when a record's `seq` is not `seqFirst + index`, uptimes go backwards, or a
 *   record is a `rejected` one.
 */
export function encodeFrame(frame: DeviceFrame): Uint8Array {
  const { header, records } = frame
  const writer = new CborWriter()
  const hasClock = header.unixMs !== undefined
  const pairs =
    4 +
    (header.sentUptimeMs !== undefined ? 1 : 0) +
    (hasClock ? 2 : 0) +
    (header.firmware !== undefined ? 1 : 0)
  writer.map(pairs)
  writer.uint(0).uint(header.version)
  writer.uint(1).bytes(fromHex(header.deviceId))
  writer.uint(2).uint(header.bootId)
  writer.uint(3).uint(header.seqFirst)
  if (header.sentUptimeMs !== undefined) writer.uint(4).uint(header.sentUptimeMs)
  if (hasClock) {
    writer.uint(5).uint(header.unixMs!)
    writer.uint(6).uint(TIME_SOURCES.indexOf(header.timeSource ?? 'none'))
  }
  if (header.firmware !== undefined) writer.uint(7).text(header.firmware)
  writer.array(records.length)
  let previous = 0
  records.forEach((record, index) => {
    if (record.seq !== header.seqFirst + index) {
      throw new TypeError(`record ${index} has seq ${record.seq}, expected ${header.seqFirst + index}`)
    }
    if (index > 0 && record.uptimeMs < previous) throw new TypeError(`record ${index} goes back in time`)
    writeRecord(writer, record, index === 0 ? record.uptimeMs : record.uptimeMs - previous)
    previous = record.uptimeMs
  })
  const body = writer.finish()
  const bytes = new Uint8Array(body.length + 4)
  bytes.set(body)
  new DataView(bytes.buffer).setUint32(body.length, getCrc32(body))
  return bytes
}
