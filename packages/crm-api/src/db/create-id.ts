/**
 * Record ids: UUID version 7 (RFC 9562 §5.7), a 48-bit Unix time in ms then random bits, so ids
 * sort by creation time and `ORDER BY id` pages in creation order.
 */
import { randomBytes } from 'node:crypto'

let lastMs = 0
let sequence = 0

/** A new UUIDv7, e.g. `0193a6f2-7c4e-7d10-8a3b-5f0c2e1d9a47`; monotonic within this process. */
export function createId(now: number = Date.now()): string {
  // RFC 9562 §6.2 method 1: a counter in rand_a keeps ids made in the same ms increasing.
  if (now <= lastMs) sequence += 1
  else {
    lastMs = now
    sequence = 0
  }
  if (sequence > 0xfff) {
    lastMs += 1
    sequence = 0
  }
  const bytes = randomBytes(16)
  const ms = lastMs
  bytes[0] = Math.floor(ms / 2 ** 40) & 0xff
  bytes[1] = Math.floor(ms / 2 ** 32) & 0xff
  bytes[2] = (ms >>> 24) & 0xff
  bytes[3] = (ms >>> 16) & 0xff
  bytes[4] = (ms >>> 8) & 0xff
  bytes[5] = ms & 0xff
  bytes[6] = 0x70 | ((sequence >>> 8) & 0x0f)
  bytes[7] = sequence & 0xff
  bytes[8] = 0x80 | (bytes[8]! & 0x3f)
  const hex = bytes.toString('hex')
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`
}

/** Whether `value` looks like a record id (any UUID, lower-case). */
export function isId(value: string): boolean {
  return /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/.test(value)
}
