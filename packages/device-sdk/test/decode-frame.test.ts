import { describe, expect, it } from 'vitest'
import {
  CborWriter,
  decodeFrame,
  DeviceFrameError,
  encodeFrame,
  getCrc32,
  MAX_FRAME_BYTES,
} from '../src/index.js'
import type { DeviceFrame } from '../src/index.js'

function codeOf(run: () => unknown): string | undefined {
  try {
    run()
  } catch (error) {
    if (error instanceof DeviceFrameError) return error.code
    throw error
  }
  return undefined
}

function withCrc(body: Uint8Array): Uint8Array {
  const out = new Uint8Array(body.length + 4)
  out.set(body)
  new DataView(out.buffer).setUint32(body.length, getCrc32(body))
  return out
}

const frame: DeviceFrame = {
  header: {
    version: 1,
    deviceId: '0011223344556677',
    bootId: 4_294_967_295,
    seqFirst: 10,
    sentUptimeMs: 5000,
  },
  records: [
    { type: 'event', seq: 10, uptimeMs: 4000, name: 'tap', properties: { '': 1 } as Record<string, number> },
  ],
}

describe('decodeFrame', () => {
  it('computes CRC-32/ISO-HDLC (check value of "123456789")', () => {
    expect(getCrc32(new TextEncoder().encode('123456789'))).toBe(0xcbf43926)
  })

  it('refuses a frame over 64 KiB before looking at it', () => {
    expect(codeOf(() => decodeFrame(new Uint8Array(MAX_FRAME_BYTES + 1)))).toBe(
      'RASTRO_ERR_DEVICE_FRAME_TOO_LARGE',
    )
  })

  it('rejects one bad record and keeps the others, with the field to blame', () => {
    const bad = encodeFrame({
      header: { ...frame.header, bootId: 2 },
      records: [
        { type: 'event', seq: 10, uptimeMs: 4000, name: 'tap', properties: { ok: true } },
        { type: 'reading', seq: 11, uptimeMs: 4100, metric: 'x'.repeat(101), value: 1 },
        { type: 'reading', seq: 12, uptimeMs: 4200, metric: 'temp', value: 1 },
      ],
    })
    const decoded = decodeFrame(bad)
    expect(decoded.records.map((record) => record.type)).toEqual(['event', 'rejected', 'reading'])
    expect(decoded.records[1]).toMatchObject({ seq: 11, uptimeMs: 4100, field: 'metric' })
  })

  it('refuses a property key that is empty, NaN values and 64-bit integers beyond 2^53 (record level)', () => {
    const writer = new CborWriter()
      .map(5)
      .uint(0)
      .uint(1)
      .uint(1)
      .bytes(new Uint8Array(6))
      .uint(2)
      .uint(1)
      .uint(3)
      .uint(0)
      .uint(4)
      .uint(9)
      .array(3)
    writer.array(4).uint(0).uint(1).text('a').map(1).text('').uint(1)
    writer.array(4).uint(1).uint(1).text('nan').float(NaN)
    writer
      .array(4)
      .uint(0)
      .uint(1)
      .text('big')
      .map(1)
      .text('n')
      .uint(2n ** 60n)
    const decoded = decodeFrame(withCrc(writer.finish()))
    expect(decoded.records.map((record) => record.type === 'rejected' && record.field)).toEqual([
      'properties',
      'value',
      'properties.n',
    ])
  })

  it('refuses a frame whose record time is not an unsigned integer (the time chain breaks)', () => {
    const writer = new CborWriter()
      .map(4)
      .uint(0)
      .uint(1)
      .uint(1)
      .bytes(new Uint8Array(6))
      .uint(2)
      .uint(1)
      .uint(3)
      .uint(0)
    writer.array(1).array(4).uint(1).int(-5).text('t').uint(1)
    const error = (() => {
      try {
        decodeFrame(withCrc(writer.finish()))
      } catch (caught) {
        return caught as DeviceFrameError
      }
    })()
    expect(error).toMatchObject({ code: 'RASTRO_ERR_DEVICE_FRAME_INVALID', field: 'records[0][1]' })
  })

  it('refuses a clock without a send uptime, and a map with more than 64 pairs', () => {
    const clock = new CborWriter()
      .map(6)
      .uint(0)
      .uint(1)
      .uint(1)
      .bytes(new Uint8Array(6))
      .uint(2)
      .uint(1)
      .uint(3)
      .uint(0)
    clock.uint(5).uint(1_763_800_000_000).uint(6).uint(1).array(1).array(3).uint(0).uint(0).text('a')
    expect(codeOf(() => decodeFrame(withCrc(clock.finish())))).toBe('RASTRO_ERR_DEVICE_FRAME_INVALID')
    const wide = new CborWriter()
      .map(4)
      .uint(0)
      .uint(1)
      .uint(1)
      .bytes(new Uint8Array(6))
      .uint(2)
      .uint(1)
      .uint(3)
      .uint(0)
    wide.array(1).array(4).uint(0).uint(0).text('a').map(65)
    for (let i = 0; i < 65; i++) wide.text(`k${i}`).uint(i)
    expect(codeOf(() => decodeFrame(withCrc(wide.finish())))).toBe('RASTRO_ERR_DEVICE_CBOR_LENGTH_TOO_LARGE')
  })

  it('keeps a __proto__ property as data', () => {
    const writer = new CborWriter()
      .map(4)
      .uint(0)
      .uint(1)
      .uint(1)
      .bytes(new Uint8Array(6))
      .uint(2)
      .uint(1)
      .uint(3)
      .uint(0)
    writer.array(1).array(4).uint(0).uint(0).text('a').map(1).text('__proto__').text('x')
    const [record] = decodeFrame(withCrc(writer.finish())).records
    expect(record).toMatchObject({ type: 'event' })
    expect(Object.getPrototypeOf((record as { properties: object }).properties)).toBe(Object.prototype)
    expect(JSON.stringify(record)).toContain('"__proto__":"x"')
  })

  it('reads the largest boot id and keeps record times absolute', () => {
    const decoded = decodeFrame(encodeFrame(frame))
    expect(decoded.header.bootId).toBe(4_294_967_295)
    expect(decoded.records[0]).toMatchObject({ seq: 10, uptimeMs: 4000 })
  })
})

describe('CborWriter', () => {
  it('keeps every byte when it grows past its first buffer', () => {
    const writer = new CborWriter().array(300)
    for (let i = 0; i < 300; i++) writer.bool(i % 2 === 0)
    const bytes = writer.finish()
    expect(bytes.length).toBe(303)
    expect(bytes.subarray(0, 3)).toEqual(Uint8Array.of(0x99, 0x01, 0x2c))
    expect(bytes.subarray(3).every((byte, i) => byte === (i % 2 === 0 ? 0xf5 : 0xf4))).toBe(true)
  })
})
