// Writes the shared test vectors in vectors/: for each, NNN-name.cbor (the frame), NNN-name.json
// (the decoded form, or the error a decoder must answer, and a note) and NNN-name.diag (CBOR
// diagnostic notation, RFC 8949 §8, for people). Positive vectors are built from their decoded
// form with the TS encoder and must decode back to it; the C library must produce the same
// bytes (test/c-library.test.ts), the TS decoder must decode them (test/vectors.test.ts).
// Run after `npm run build`: node scripts/generate-vectors.mjs
import { Buffer } from 'node:buffer'
import { mkdirSync, readdirSync, rmSync, writeFileSync } from 'node:fs'
import { URL } from 'node:url'
import { isDeepStrictEqual } from 'node:util'
import { CborWriter, decodeFrame, encodeFrame, getCrc32 } from '../dist/index.js'

const dir = new URL('../vectors/', import.meta.url)
const device = 'a4cf12345678'

/** Frames the C library builds in c/test/generate_vectors.c, scenario by scenario. */
const positive = [
  {
    name: '001-single-reading',
    note: 'One temperature reading, the smallest useful frame. First boot (1), first seq (0); uptime 1500 ms at the reading, 2000 ms at send.',
    frame: {
      header: { version: 1, deviceId: device, bootId: 1, seqFirst: 0, sentUptimeMs: 2000 },
      records: [{ type: 'reading', seq: 0, uptimeMs: 1500, metric: 'temp', value: 21.5, unit: 'C' }],
    },
  },
  {
    name: '002-twenty-readings',
    note: 'Twenty readings of metric "t", one every 10 s, half-float values, no unit: about 10 bytes per reading (times are deltas after the first).',
    frame: {
      header: { version: 1, deviceId: device, bootId: 1, seqFirst: 0, sentUptimeMs: 250_500 },
      records: Array.from({ length: 20 }, (_, i) => ({
        type: 'reading',
        seq: i,
        uptimeMs: 60_000 + i * 10_000,
        metric: 't',
        value: 20.5 + i * 0.25,
      })),
    },
  },
  {
    name: '003-kiosk-events',
    note: 'A kiosk: door opens, an RFID tap and a purchase by customer "cust-0042" (user id: joins their timeline), the door closes (reading 0). Boot 3, seqs from 512 (the persisted block), firmware version in key 7. Property keys in deterministic order (shorter first, then bytewise); integral numbers as integers.',
    frame: {
      header: {
        version: 1,
        deviceId: device,
        bootId: 3,
        seqFirst: 512,
        sentUptimeMs: 93_000,
        firmware: 'kiosk-1.4.2',
      },
      records: [
        { type: 'event', seq: 512, uptimeMs: 90_000, name: 'door_open', properties: {} },
        {
          type: 'event',
          seq: 513,
          uptimeMs: 91_250,
          name: 'rfid_tap',
          properties: { uid: '04a2b3c4d5e6f7', reader: 'bar-1' },
          userId: 'cust-0042',
        },
        {
          type: 'event',
          seq: 514,
          uptimeMs: 92_100,
          name: 'purchase',
          properties: { qty: 2, sku: 'latte-m', paid: true, cents: 350, discount: 0.1, weight_g: 12.5 },
          userId: 'cust-0042',
        },
        { type: 'reading', seq: 515, uptimeMs: 92_500, metric: 'door', value: 0 },
      ],
    },
  },
  {
    name: '004-clock-sntp',
    note: 'The device has SNTP time: unix ms (key 5) and time source 1 = sntp (key 6) at send time, next to the uptime (key 4). Boot 5, seqs from 1280.',
    frame: {
      header: {
        version: 1,
        deviceId: device,
        bootId: 5,
        seqFirst: 1280,
        sentUptimeMs: 3_600_000,
        unixMs: 1_763_800_000_000,
        timeSource: 'sntp',
      },
      records: [
        { type: 'reading', seq: 1280, uptimeMs: 3_599_000, metric: 'humidity', value: 41, unit: '%' },
        {
          type: 'event',
          seq: 1281,
          uptimeMs: 3_599_500,
          name: 'heartbeat',
          properties: { heap: 182_344, rssi: -67 },
        },
      ],
    },
  },
  {
    name: '005-earlier-boot',
    note: 'Records of boot 7 kept in RTC memory across a brown-out reset and sent from boot 8: no key 4 (the sending boot is another one, so its uptime says nothing about these records) and no clock; the collector stamps them at receipt.',
    frame: {
      header: { version: 1, deviceId: device, bootId: 7, seqFirst: 1800 },
      records: [
        { type: 'reading', seq: 1800, uptimeMs: 5000, metric: 'temp', value: 19.25, unit: 'C' },
        { type: 'event', seq: 1801, uptimeMs: 5100, name: 'reset_reason', properties: { code: 'brownout' } },
      ],
    },
  },
  {
    name: '006-numbers',
    note: 'Number encodings: integral values below 2^32 as integers (0, -1, 255, 65536, 4294967295, 65504), others as the shortest exact float: 2^32 and -2^32 single, 1.5 and -0.5 half, 100000.5 single, 0.1 double, 2^-24 half subnormal, 2^-149 single subnormal, 3.4028234663852886e38 single.',
    frame: {
      header: { version: 1, deviceId: device, bootId: 1, seqFirst: 0, sentUptimeMs: 20_000 },
      records: [
        0, -1, 255, 65536, 4294967295, 65504, 4294967296, -4294967296, 1.5, -0.5, 100000.5, 0.1,
        5.960464477539063e-8, 1.401298464324817e-45, 3.4028234663852886e38,
      ].map((value, i) => ({ type: 'reading', seq: i, uptimeMs: 1000 + i, metric: 'n', value })),
    },
  },
]

/** 007: a record type from a later protocol version, then a reading. Built by hand. */
function buildUnknownRecordFrame() {
  const writer = new CborWriter()
  writer.map(5).uint(0).uint(1).uint(1).bytes(Buffer.from(device, 'hex')).uint(2).uint(1).uint(3).uint(0)
  writer.uint(4).uint(3000)
  writer.array(2)
  writer.array(3).uint(9).uint(1000).text('future')
  writer.array(5).uint(1).uint(1000).text('temp').number(20).text('C')
  return withCrc(writer.finish())
}

function withCrc(body) {
  const out = new Uint8Array(body.length + 4)
  out.set(body)
  new DataView(out.buffer).setUint32(body.length, getCrc32(body))
  return out
}

const single = encodeFrame(positive[0].frame)
const singleBody = single.subarray(0, single.length - 4)

/** Header with a replaced key, then the records of vector 001, with a correct CRC. */
function withHeader(writeHeader) {
  const writer = new CborWriter()
  writeHeader(writer)
  const recordsAt = singleBody.indexOf(0x81) // 001's records array: one item
  writer.raw(singleBody.subarray(recordsAt))
  return withCrc(writer.finish())
}

function baseHeader(
  writer,
  { version = 1, skipDevice = false, duplicateBoot = false, tagDevice = false } = {},
) {
  writer.map(4 + (skipDevice ? -1 : 0) + (duplicateBoot ? 1 : 0))
  writer.uint(0).uint(version)
  if (!skipDevice) {
    writer.uint(1)
    if (tagDevice) writer.raw(Uint8Array.of(0xd8, 0x18)) // tag 24
    writer.bytes(Buffer.from(device, 'hex'))
  }
  writer.uint(2).uint(1)
  if (duplicateBoot) writer.uint(2).uint(2)
  writer.uint(3).uint(0)
}

function eventFrame(writeRecord) {
  const writer = new CborWriter()
  baseHeader(writer)
  writer.array(1)
  writeRecord(writer)
  return withCrc(writer.finish())
}

const negative = [
  {
    name: '101-too-short',
    note: 'Three bytes: no room for CBOR and a 4-byte CRC.',
    bytes: Uint8Array.of(0xa0, 0x80, 0x00),
    error: { code: 'RASTRO_ERR_DEVICE_FRAME_TRUNCATED' },
  },
  {
    name: '102-truncated',
    note: 'Vector 001 with the last two bytes of the records cut (the unit "C"), CRC recomputed: the reading array declares 5 items and 4 are there.',
    bytes: withCrc(singleBody.subarray(0, singleBody.length - 2)),
    error: { code: 'RASTRO_ERR_DEVICE_FRAME_TRUNCATED' },
  },
  {
    name: '103-trailing-bytes',
    note: 'Vector 001 with one extra byte (0x00) after the records array, CRC recomputed.',
    bytes: withCrc(Uint8Array.from([...singleBody, 0x00])),
    error: { code: 'RASTRO_ERR_DEVICE_FRAME_TRAILING_BYTES' },
  },
  {
    name: '104-bad-crc',
    note: 'Vector 001 with its last CRC byte changed.',
    bytes: Uint8Array.from(single, (byte, i) => (i === single.length - 1 ? byte ^ 0x01 : byte)),
    error: { code: 'RASTRO_ERR_DEVICE_FRAME_CRC_MISMATCH' },
  },
  {
    name: '105-duplicate-key',
    note: 'The header has key 2 (boot id) twice, with different values.',
    bytes: withHeader((writer) => baseHeader(writer, { duplicateBoot: true })),
    error: { code: 'RASTRO_ERR_DEVICE_CBOR_DUPLICATE_KEY' },
  },
  {
    name: '106-indefinite-length',
    note: 'The records array has indefinite length (0x9f … 0xff); the protocol uses definite lengths only.',
    bytes: (() => {
      const writer = new CborWriter()
      baseHeader(writer)
      writer.raw(Uint8Array.of(0x9f))
      writer.array(4).uint(1).uint(1500).text('temp').number(21.5)
      writer.raw(Uint8Array.of(0xff))
      return withCrc(writer.finish())
    })(),
    error: { code: 'RASTRO_ERR_DEVICE_CBOR_INDEFINITE_LENGTH' },
  },
  {
    name: '107-unknown-tag',
    note: 'The device id is wrapped in tag 24 (encoded CBOR data item); the protocol uses no tags.',
    bytes: withHeader((writer) => baseHeader(writer, { tagDevice: true })),
    error: { code: 'RASTRO_ERR_DEVICE_CBOR_TAG' },
  },
  {
    name: '108-huge-declared-length',
    note: 'The records array declares 2^32 items (0x9b 00000001 00000000) in a 30-byte frame: the pattern that makes CBOR decoders preallocate gigabytes.',
    bytes: (() => {
      const writer = new CborWriter()
      baseHeader(writer)
      writer.raw(Uint8Array.of(0x9b, 0, 0, 0, 1, 0, 0, 0, 0, 0x01))
      return withCrc(writer.finish())
    })(),
    error: { code: 'RASTRO_ERR_DEVICE_CBOR_LENGTH_TOO_LARGE' },
  },
  {
    name: '109-deep-nesting',
    note: 'An event property whose value is [[[1]]]: items nest deeper than 4 levels (header 1, records 1, record 2, properties 3, value 4).',
    bytes: eventFrame((writer) => {
      writer.array(4).uint(0).uint(100).text('deep')
      writer.map(1).text('v').array(1).array(1).array(1).uint(1)
    }),
    error: { code: 'RASTRO_ERR_DEVICE_CBOR_TOO_DEEP' },
  },
  {
    name: '110-wrong-version',
    note: 'Header key 0 (protocol version) is 2; this collector reads version 1.',
    bytes: withHeader((writer) => baseHeader(writer, { version: 2 })),
    error: { code: 'RASTRO_ERR_DEVICE_FRAME_VERSION', field: 'header.version' },
  },
  {
    name: '111-missing-device-id',
    note: 'The header has no key 1 (device id).',
    bytes: withHeader((writer) => baseHeader(writer, { skipDevice: true })),
    error: { code: 'RASTRO_ERR_DEVICE_FRAME_INVALID', field: 'header.deviceId' },
  },
  {
    name: '112-invalid-utf8',
    note: 'An event name with the bytes ff fe, which are not UTF-8.',
    bytes: eventFrame((writer) => {
      writer
        .array(3)
        .uint(0)
        .uint(100)
        .raw(Uint8Array.of(0x62, 0xff, 0xfe))
    }),
    error: { code: 'RASTRO_ERR_DEVICE_CBOR_MALFORMED' },
  },
  {
    name: '113-no-records',
    note: 'A header and an empty records array: a frame carries at least one record.',
    bytes: (() => {
      const writer = new CborWriter()
      baseHeader(writer)
      writer.array(0)
      return withCrc(writer.finish())
    })(),
    error: { code: 'RASTRO_ERR_DEVICE_FRAME_INVALID', field: 'records' },
  },
]

/** CBOR diagnostic notation (RFC 8949 §8) of a CBOR sequence; floats get their width suffix (_1 half, _2 single, _3 double). */
function toDiagnostic(bytes) {
  let pos = 0
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.length)
  function argument(info) {
    if (info < 24) return BigInt(info)
    const size = 1 << (info - 24)
    let value = 0n
    for (let i = 0; i < size; i++) value = value * 256n + BigInt(bytes[pos++])
    return value
  }
  function item(indent) {
    if (pos >= bytes.length) throw new Error('truncated')
    const initial = bytes[pos++]
    const major = initial >> 5
    const info = initial & 31
    if (major === 7) {
      if (info === 20) return 'false'
      if (info === 21) return 'true'
      if (info === 22) return 'null'
      const width = info - 24
      const value =
        width === 1
          ? decodeHalf(view.getUint16(pos))
          : width === 2
            ? view.getFloat32(pos)
            : view.getFloat64(pos)
      const text = Object.is(value, -0) ? '-0.0' : String(value)
      pos += 1 << width
      return `${text.includes('.') || text.includes('e') ? text : `${text}.0`}_${width}`
    }
    const arg = argument(info)
    if (major === 0) return String(arg)
    if (major === 1) return String(-1n - arg)
    if (major === 2 || major === 3) {
      const slice = bytes.subarray(pos, pos + Number(arg))
      pos += Number(arg)
      return major === 2
        ? `h'${Buffer.from(slice).toString('hex')}'`
        : JSON.stringify(Buffer.from(slice).toString('utf8'))
    }
    if (major === 6) return `${arg}(${item(indent)})`
    const inner = `${indent}  `
    const parts = []
    for (let i = 0n; i < arg; i++) parts.push(major === 4 ? item(inner) : `${item(inner)}: ${item(inner)}`)
    const [open, close] = major === 4 ? ['[', ']'] : ['{', '}']
    const flat = `${open}${parts.join(', ')}${close}`
    return flat.length <= 100
      ? flat
      : `${open}\n${parts.map((part) => `${inner}${part}`).join(',\n')}\n${indent}${close}`
  }
  const items = []
  while (pos < bytes.length) items.push(item(''))
  return items
}

function decodeHalf(bits) {
  const sign = bits & 0x8000 ? -1 : 1
  const exponent = (bits >> 10) & 0x1f
  const mantissa = bits & 0x3ff
  if (exponent === 0) return sign * mantissa * 2 ** -24
  if (exponent === 31) return mantissa ? NaN : sign * Infinity
  return sign * (1 + mantissa / 1024) * 2 ** (exponent - 15)
}

function write(name, bytes, json, diagnostic) {
  writeFileSync(new URL(`${name}.cbor`, dir), bytes)
  writeFileSync(new URL(`${name}.json`, dir), `${JSON.stringify(json, null, 2)}\n`)
  writeFileSync(new URL(`${name}.diag`, dir), `${diagnostic}\n`)
}

mkdirSync(dir, { recursive: true })
for (const file of readdirSync(dir)) if (/^\d{3}-/.test(file)) rmSync(new URL(file, dir))

for (const vector of positive) {
  const bytes = encodeFrame(vector.frame)
  const decoded = decodeFrame(bytes)
  if (!isDeepStrictEqual(JSON.parse(JSON.stringify(decoded)), vector.frame)) {
    throw new Error(`${vector.name}: decodes to ${JSON.stringify(decoded)}`)
  }
  const body = bytes.subarray(0, bytes.length - 4)
  const crc = Buffer.from(bytes.subarray(-4)).toString('hex')
  write(
    vector.name,
    bytes,
    { note: vector.note, roundtrip: true, frame: decoded },
    `${toDiagnostic(body).join(',\n')}\nCRC-32: h'${crc}'`,
  )
}

{
  const name = '007-unknown-record-type'
  const bytes = buildUnknownRecordFrame()
  const body = bytes.subarray(0, bytes.length - 4)
  write(
    name,
    bytes,
    {
      note: 'Record type 9, unknown to this version, then a reading. The unknown record comes back as "rejected" (it is acknowledged so the device frees it; the reading is stored). Not re-encodable: roundtrip false.',
      roundtrip: false,
      frame: decodeFrame(bytes),
    },
    `${toDiagnostic(body).join(',\n')}\nCRC-32: h'${Buffer.from(bytes.subarray(-4)).toString('hex')}'`,
  )
}

for (const vector of negative) {
  let diagnostic
  try {
    diagnostic = toDiagnostic(vector.bytes.subarray(0, vector.bytes.length - 4)).join(',\n')
  } catch {
    diagnostic = '(not well-formed CBOR)'
  }
  write(
    vector.name,
    vector.bytes,
    { note: vector.note, error: vector.error },
    `${diagnostic}\nhex: ${Buffer.from(vector.bytes).toString('hex')}`,
  )
}
console.log(`wrote ${positive.length + 1 + negative.length} vectors to ${dir.pathname}`)
