/**
 * UUID version 7 message ids (RFC 9562 §5.7): 48 bits of Unix time in ms, then 74 random bits, so
 * ids sort by creation time and spread evenly in the collector's `cityHash64(message_id)` key.
 * Node 20 has no built-in v7; random bytes come from a pooled `randomFillSync` (one syscall per
 * 819 ids), which keeps an id under a microsecond.
 */
import { randomFillSync } from 'node:crypto'

const BYTES_PER_ID = 10
const pool = Buffer.alloc(BYTES_PER_ID * 819)
let offset = pool.length
const HEX = Array.from({ length: 256 }, (_, byte) => byte.toString(16).padStart(2, '0'))

/**
 * A new UUID v7 string, e.g. `019a4f6e-2b1c-7d3e-9f20-5a6b7c8d9e0f`.
 *
 * @param nowMs - Unix time in ms to embed (default `Date.now()`), 0 to 2^48 - 1.
 */
export function createMessageId(nowMs: number = Date.now()): string {
  if (offset + BYTES_PER_ID > pool.length) {
    randomFillSync(pool)
    offset = 0
  }
  const r = pool
  const o = offset
  offset += BYTES_PER_ID
  const time = nowMs.toString(16).padStart(12, '0')
  // Version 7 in the high nibble of byte 6; variant 0b10 in the high bits of byte 8 (RFC 9562 §4.1, §4.2).
  return (
    `${time.slice(0, 8)}-${time.slice(8, 12)}-7${(r[o]! & 0x0f).toString(16)}${HEX[r[o + 1]!]}-` +
    `${HEX[(r[o + 2]! & 0x3f) | 0x80]}${HEX[r[o + 3]!]}-` +
    `${HEX[r[o + 4]!]}${HEX[r[o + 5]!]}${HEX[r[o + 6]!]}${HEX[r[o + 7]!]}${HEX[r[o + 8]!]}${HEX[r[o + 9]!]}`
  )
}
