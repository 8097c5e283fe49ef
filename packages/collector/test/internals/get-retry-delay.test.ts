import { describe, expect, it } from 'vitest'
import { getRetryDelayMs, parseRetryAfter } from '../../src/forward/get-retry-delay.js'

describe('getRetryDelayMs', () => {
  const options = { baseMs: 1000, maxMs: 300_000 }

  it('draws the wait uniformly below min(cap, base · 2^failures) (full jitter)', () => {
    expect(getRetryDelayMs(1, { ...options, random: () => 0.999 })).toBe(1998)
    expect(getRetryDelayMs(3, { ...options, random: () => 0.5 })).toBe(4000)
    expect(getRetryDelayMs(3, { ...options, random: () => 0 })).toBe(0)
    expect(getRetryDelayMs(40, { ...options, random: () => 0.999 })).toBe(299_700)
  })

  it('never waits less than Retry-After', () => {
    expect(getRetryDelayMs(1, { ...options, retryAfterMs: 30_000, random: () => 0.1 })).toBe(30_000)
  })
})

describe('parseRetryAfter', () => {
  const now = Date.parse('2026-11-22T10:00:00Z')

  it('reads seconds and HTTP dates (RFC 9110 §10.2.3)', () => {
    expect(parseRetryAfter('120', now)).toBe(120_000)
    expect(parseRetryAfter('Sun, 22 Nov 2026 10:01:00 GMT', now)).toBe(60_000)
    expect(parseRetryAfter(['5'], now)).toBe(5000)
  })

  it('ignores what it cannot read and caps at an hour', () => {
    expect(parseRetryAfter(undefined, now)).toBeUndefined()
    expect(parseRetryAfter('soon', now)).toBeUndefined()
    expect(parseRetryAfter('-3', now)).toBeUndefined()
    expect(parseRetryAfter('86400', now)).toBe(3_600_000)
  })
})
