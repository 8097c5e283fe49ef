import { describe, expect, it } from 'vitest'
import {
  getRetryDelay,
  MAX_RETRY_AFTER_MS,
  parseRetryAfter,
  RETRY_BASE_MS,
  RETRY_CAP_MS,
} from '../../src/get-retry-delay.js'

describe('parseRetryAfter', () => {
  const now = Date.parse('2026-11-22T10:00:00Z')
  it('reads delay-seconds and HTTP-dates (RFC 9110 §10.2.3)', () => {
    expect(parseRetryAfter('5', now)).toBe(5_000)
    expect(parseRetryAfter(' 0 ', now)).toBe(0)
    expect(parseRetryAfter('Sun, 22 Nov 2026 10:00:30 GMT', now)).toBe(30_000)
    expect(parseRetryAfter('Sun, 22 Nov 2026 09:59:00 GMT', now)).toBe(0)
  })
  it('caps long waits and ignores what it cannot read', () => {
    expect(parseRetryAfter('86400', now)).toBe(MAX_RETRY_AFTER_MS)
    expect(parseRetryAfter(undefined, now)).toBeUndefined()
    expect(parseRetryAfter('soon', now)).toBeUndefined()
    expect(parseRetryAfter('-3', now)).toBeUndefined()
  })
})

describe('getRetryDelay', () => {
  it('draws from [0, base · 2^(attempt-1)), capped (full jitter)', () => {
    expect(getRetryDelay(1, undefined, () => 0)).toBe(0)
    expect(getRetryDelay(1, undefined, () => 0.999_999)).toBe(RETRY_BASE_MS - 1)
    expect(getRetryDelay(3, undefined, () => 0.5)).toBe(RETRY_BASE_MS * 2)
    expect(getRetryDelay(30, undefined, () => 0.999_999)).toBe(RETRY_CAP_MS - 1)
  })
  it('never waits less than Retry-After', () => {
    expect(getRetryDelay(1, 1_000, () => 0.5)).toBe(1_000)
    expect(getRetryDelay(10, 1_000, () => 0.5)).toBe(RETRY_CAP_MS / 2)
  })
})
