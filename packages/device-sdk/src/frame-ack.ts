/**
 * The collector's answer to a frame, as CBOR (spec/PROTOCOL.md "Acknowledgement"): the body of
 * an HTTP 200, or an MQTT message on `<prefix>/<device key>/ack`. Integer keys so the device
 * parses it with a few dozen bytes of code (`rastro_ack_parse`).
 */
import { Decoder } from 'cbor-x'
import { CborWriter } from './cbor-writer.js'
import type { FrameAck, FrameAckError } from './frame-types.js'

const decoder = new Decoder({ mapsAsObjects: false, useRecords: false })

/** `{0: bootId, 1: ackedThrough, 2: stored, 3: duplicates, 4: rejected}` */
export function encodeAck(ack: FrameAck): Uint8Array {
  return new CborWriter()
    .map(5)
    .uint(0)
    .uint(ack.bootId)
    .uint(1)
    .uint(ack.ackedThrough)
    .uint(2)
    .uint(ack.stored)
    .uint(3)
    .uint(ack.duplicates)
    .uint(4)
    .uint(ack.rejected)
    .finish()
}

/** `{5: status, 6: code}`: a refused frame, on transports without a status line (MQTT). */
export function encodeAckError(error: FrameAckError): Uint8Array {
  return new CborWriter().map(2).uint(5).uint(error.status).uint(6).text(error.code).finish()
}

/**
 * Reads an ack or an ack error.
 * @throws TypeError when the bytes are not one.
 */
export function decodeAck(bytes: Uint8Array): FrameAck | FrameAckError {
  const value: unknown = decoder.decode(bytes)
  if (!(value instanceof Map)) throw new TypeError('an ack is a CBOR map')
  const get = (key: number) => {
    const item = value.get(key)
    if (typeof item !== 'number') throw new TypeError(`ack key ${key} must be an unsigned integer`)
    return item
  }
  if (value.has(5)) return { status: get(5), code: String(value.get(6) ?? '') }
  return { bootId: get(0), ackedThrough: get(1), stored: get(2), duplicates: get(3), rejected: get(4) }
}
