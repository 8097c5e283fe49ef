import { describe, expect, it } from 'vitest'
import { createMessageId } from '../../src/create-message-id.js'

const UUID_V7 = /^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/

describe('createMessageId', () => {
  it('makes RFC 9562 version 7 UUIDs that carry the time in ms', () => {
    const nowMs = Date.UTC(2026, 10, 22, 10, 0, 0, 123)
    const id = createMessageId(nowMs)
    expect(id).toMatch(UUID_V7)
    expect(parseInt(id.slice(0, 8) + id.slice(9, 13), 16)).toBe(nowMs)
    expect(createMessageId(0).startsWith('00000000-0000-7')).toBe(true)
  })

  it('never repeats across pool refills, and sorts by time', () => {
    const ids = Array.from({ length: 100_000 }, () => createMessageId())
    expect(new Set(ids).size).toBe(ids.length)
    for (const id of ids.slice(0, 1_000)) expect(id).toMatch(UUID_V7)
    expect(createMessageId(1_000) < createMessageId(2_000)).toBe(true)
  })

  it('spreads the random bits evenly', () => {
    // The last hex digit is 4 random bits: each of 16 values near 1/16 of 32,000 ids.
    const counts = new Map<string, number>()
    for (let i = 0; i < 32_000; i += 1) {
      const digit = createMessageId().slice(-1)
      counts.set(digit, (counts.get(digit) ?? 0) + 1)
    }
    expect(counts.size).toBe(16)
    for (const count of counts.values()) expect(Math.abs(count - 2_000)).toBeLessThan(300)
  })
})
