/**
 * The shared vectors (vectors/): the TS decoder reproduces each positive vector's decoded form
 * and the TS encoder its bytes; every negative vector is refused with its code.
 * The C library is checked against the same files in c-library.test.ts.
 */
import { readdirSync, readFileSync } from 'node:fs'
import { describe, expect, it } from 'vitest'
import {
  decodeAck,
  decodeFrame,
  DeviceFrameError,
  encodeAck,
  encodeAckError,
  encodeFrame,
} from '../src/index.js'

const dir = new URL('../vectors/', import.meta.url)
const vectors = readdirSync(dir)
  .filter((file) => file.endsWith('.cbor'))
  .map((file) => {
    const name = file.slice(0, -'.cbor'.length)
    return {
      name,
      bytes: new Uint8Array(readFileSync(new URL(file, dir))),
      json: JSON.parse(readFileSync(new URL(`${name}.json`, dir), 'utf8')),
    }
  })
const frames = vectors.filter((vector) => vector.json.frame)
const refused = vectors.filter((vector) => vector.json.error)

describe('shared vectors', () => {
  it('has positive and negative frames', () => {
    expect(frames.length).toBeGreaterThanOrEqual(7)
    expect(refused.length).toBeGreaterThanOrEqual(13)
  })

  it.each(frames)('$name decodes to its JSON form', ({ bytes, json }) => {
    expect(JSON.parse(JSON.stringify(decodeFrame(bytes)))).toEqual(json.frame)
  })

  it.each(frames.filter((vector) => vector.json.roundtrip))(
    '$name is what the encoder writes, byte for byte',
    ({ bytes, json }) => {
      expect(Buffer.from(encodeFrame(json.frame)).toString('hex')).toBe(Buffer.from(bytes).toString('hex'))
    },
  )

  it.each(refused)('$name is refused with its code', ({ bytes, json }) => {
    let caught: unknown
    try {
      decodeFrame(bytes)
    } catch (error) {
      caught = error
    }
    expect(caught).toBeInstanceOf(DeviceFrameError)
    expect((caught as DeviceFrameError).code).toBe(json.error.code)
    if (json.error.field) expect((caught as DeviceFrameError).field).toBe(json.error.field)
  })
})

describe('acks', () => {
  it('encodes an ack and an error ack with integer keys, and reads them back', () => {
    const ack = { bootId: 7, ackedThrough: 123_456, stored: 21, duplicates: 0, rejected: 1 }
    // The same bytes c/test/test_rastro_device.c parses.
    expect(Buffer.from(encodeAck(ack)).toString('hex')).toBe('a50007011a0001e240021503000401')
    expect(decodeAck(encodeAck(ack))).toEqual(ack)
    const error = { status: 503, code: 'RASTRO_ERR_STORE_UNAVAILABLE' }
    expect(Buffer.from(encodeAckError(error)).toString('hex')).toBe(
      `a2051901f706781c${Buffer.from(error.code).toString('hex')}`,
    )
    expect(decodeAck(encodeAckError(error))).toEqual(error)
  })
})
