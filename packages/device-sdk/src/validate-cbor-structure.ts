/**
 * A walk over CBOR bytes that allocates nothing per declared length, run before any decoder
 * sees them. CBOR decoders have repeatedly run out of memory or read out of bounds on crafted
 * input that declares huge lengths (cbor-x: chained array headers retain ~290 MB from 20 KB,
 * https://github.com/kriszyp/cbor-x/pull/142; libcbor #428/#431). The walk refuses such input
 * in time linear in its size.
 */
import { DeviceFrameError } from './device-frame-error.js'
import { MAX_DEPTH, MAX_MAP_PAIRS, MAX_RECORDS } from './limits.js'

const utf8 = new TextDecoder('utf-8', { fatal: true })

interface Cursor {
  bytes: Uint8Array
  pos: number
}

/** Reads an item's argument (RFC 8949 §3); returns a number (2^64 args beyond 2^53 become Infinity). */
function readArgument(cursor: Cursor, info: number): number {
  const { bytes } = cursor
  if (info < 24) return info
  const size = 1 << (info - 24)
  if (cursor.pos + size > bytes.length) {
    throw new DeviceFrameError('RASTRO_ERR_DEVICE_FRAME_TRUNCATED', 'the frame ends inside a CBOR head', {
      offset: cursor.pos,
    })
  }
  let value = 0
  for (let i = 0; i < size; i++) value = value * 256 + bytes[cursor.pos + i]!
  cursor.pos += size
  return size === 8 && value > Number.MAX_SAFE_INTEGER ? Infinity : value
}

function tooLarge(what: string, declared: number, remaining: number, offset: number): DeviceFrameError {
  return new DeviceFrameError(
    'RASTRO_ERR_DEVICE_CBOR_LENGTH_TOO_LARGE',
    `${what} declares ${declared} but only ${remaining} bytes remain`,
    { offset },
  )
}

function overLimit(what: string, declared: number, limit: number, offset: number): DeviceFrameError {
  return new DeviceFrameError(
    'RASTRO_ERR_DEVICE_CBOR_LENGTH_TOO_LARGE',
    `${what} declares ${declared} items; the limit is ${limit}`,
    { offset },
  )
}

/** Compares two map keys by value: same major type and same argument / same string bytes. */
function isSameKey(bytes: Uint8Array, a: KeyRef, b: KeyRef): boolean {
  if (a.major !== b.major || a.value !== b.value) return false
  if (a.major !== 3) return true
  for (let i = 0; i < a.value; i++) if (bytes[a.start + i] !== bytes[b.start + i]) return false
  return true
}

/** A map key: uint (value = the number) or text (value = byte length, start = first byte). */
interface KeyRef {
  major: number
  value: number
  start: number
}

/** Walks one item at `cursor.pos` (depth 1 = top level) and leaves the cursor after it. */
function walkItem(cursor: Cursor, depth: number): void {
  const { bytes } = cursor
  const offset = cursor.pos
  if (depth > MAX_DEPTH) {
    throw new DeviceFrameError(
      'RASTRO_ERR_DEVICE_CBOR_TOO_DEEP',
      `items nest deeper than ${MAX_DEPTH} levels`,
      { offset },
    )
  }
  if (offset >= bytes.length) {
    throw new DeviceFrameError(
      'RASTRO_ERR_DEVICE_FRAME_TRUNCATED',
      'the frame ends where an item was expected',
      {
        offset,
      },
    )
  }
  const initial = bytes[offset]!
  const major = initial >> 5
  const info = initial & 0x1f
  cursor.pos += 1
  if (info === 31) {
    if (major >= 2 && major <= 5) {
      throw new DeviceFrameError(
        'RASTRO_ERR_DEVICE_CBOR_INDEFINITE_LENGTH',
        'indefinite-length items are not allowed (RFC 8949 §4.2.1: definite lengths only)',
        { offset },
      )
    }
    throw new DeviceFrameError(
      'RASTRO_ERR_DEVICE_CBOR_MALFORMED',
      `reserved initial byte 0x${initial.toString(16)}`,
      {
        offset,
      },
    )
  }
  if (info >= 28) {
    throw new DeviceFrameError(
      'RASTRO_ERR_DEVICE_CBOR_MALFORMED',
      `reserved initial byte 0x${initial.toString(16)}`,
      {
        offset,
      },
    )
  }
  if (major === 7) {
    // 20 false, 21 true, 22 null; 25/26/27 half/single/double floats. Nothing else is used.
    if (info === 20 || info === 21 || info === 22) return
    if (info >= 25) {
      readArgument(cursor, info)
      return
    }
    throw new DeviceFrameError('RASTRO_ERR_DEVICE_CBOR_MALFORMED', `simple value ${info} is not allowed`, {
      offset,
    })
  }
  const argument = readArgument(cursor, info)
  const remaining = bytes.length - cursor.pos
  switch (major) {
    case 0:
    case 1:
      return
    case 2:
    case 3:
      if (argument > remaining)
        throw tooLarge(`a ${major === 2 ? 'byte' : 'text'} string of length`, argument, remaining, offset)
      if (major === 3) {
        try {
          utf8.decode(bytes.subarray(cursor.pos, cursor.pos + argument))
        } catch {
          throw new DeviceFrameError('RASTRO_ERR_DEVICE_CBOR_MALFORMED', 'a text string is not valid UTF-8', {
            offset,
          })
        }
      }
      cursor.pos += argument
      return
    case 4:
      // Every item takes at least one byte.
      if (argument > remaining) throw tooLarge('an array of length', argument, remaining, offset)
      if (argument > MAX_RECORDS) throw overLimit('an array', argument, MAX_RECORDS, offset)
      for (let i = 0; i < argument; i++) walkItem(cursor, depth + 1)
      return
    case 5: {
      // Every pair takes at least two bytes.
      if (argument * 2 > remaining) throw tooLarge('a map of size', argument, remaining, offset)
      // Also bounds the duplicate-key check, which is quadratic in the pairs.
      if (argument > MAX_MAP_PAIRS) throw overLimit('a map', argument, MAX_MAP_PAIRS, offset)
      const keys: KeyRef[] = []
      for (let i = 0; i < argument; i++) {
        const keyOffset = cursor.pos
        const keyMajor = keyOffset < bytes.length ? bytes[keyOffset]! >> 5 : -1
        walkItem(cursor, depth + 1)
        if (keyMajor !== 0 && keyMajor !== 3) {
          throw new DeviceFrameError(
            'RASTRO_ERR_DEVICE_CBOR_MALFORMED',
            'map keys must be unsigned integers or text strings',
            { offset: keyOffset },
          )
        }
        const head = { bytes, pos: keyOffset + 1 }
        const value = readArgument(head, bytes[keyOffset]! & 0x1f)
        const key = { major: keyMajor, value, start: head.pos }
        if (keys.some((other) => isSameKey(bytes, other, key))) {
          throw new DeviceFrameError('RASTRO_ERR_DEVICE_CBOR_DUPLICATE_KEY', 'a map has the same key twice', {
            offset: keyOffset,
          })
        }
        keys.push(key)
        walkItem(cursor, depth + 1)
      }
      return
    }
    default:
      throw new DeviceFrameError(
        'RASTRO_ERR_DEVICE_CBOR_TAG',
        `tag ${argument} is not allowed (the protocol uses none)`,
        {
          offset,
        },
      )
  }
}

/**
 * Checks that `bytes` is a sequence of well-formed CBOR items (RFC 8742) within the protocol's
 * rules: definite lengths, no tags, depth at most {@link MAX_DEPTH}, no count or length larger
 * than the bytes left, map keys unsigned or text and unique, text valid UTF-8, simple values
 * only false/true/null. Allocates per map key only (bounded by the bytes), never per declared length.
 *
 * @returns the end offset of each top-level item, at most `maxItems` of them.
 * @throws DeviceFrameError `RASTRO_ERR_DEVICE_CBOR_*`, `_FRAME_TRUNCATED`, or
 *   `_FRAME_TRAILING_BYTES` when bytes remain after `maxItems` items.
 */
export function validateCborStructure(bytes: Uint8Array, maxItems: number): number[] {
  const cursor: Cursor = { bytes, pos: 0 }
  const ends: number[] = []
  while (cursor.pos < bytes.length) {
    if (ends.length === maxItems) {
      throw new DeviceFrameError(
        'RASTRO_ERR_DEVICE_FRAME_TRAILING_BYTES',
        `${bytes.length - cursor.pos} bytes follow the frame's ${maxItems} items`,
        { offset: cursor.pos },
      )
    }
    walkItem(cursor, 1)
    ends.push(cursor.pos)
  }
  return ends
}
