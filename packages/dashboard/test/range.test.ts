/**
 * The range picker's arithmetic: day starts in the tenant's time zone (DST days included, checked
 * against the zones' published offsets), the custom range's rules, and the URL round trip.
 */
import { describe, expect, it } from 'vitest'
import {
  addDays,
  checkCustom,
  countDays,
  getDay,
  getDayStartMs,
  readRangeState,
  toInstants,
  writeRangeState,
  type RangeState,
} from '../src/range.js'

const iso = (ms: number) => new Date(ms).toISOString()

describe('getDayStartMs', () => {
  it('is local midnight in the zone, on either side of a DST change', () => {
    // Europe/Madrid: CET (+01:00) in winter, CEST (+02:00) from 2026-03-29 02:00 to 2026-10-25 03:00.
    expect(iso(getDayStartMs('2026-01-15', 'Europe/Madrid'))).toBe('2026-01-14T23:00:00.000Z')
    expect(iso(getDayStartMs('2026-07-15', 'Europe/Madrid'))).toBe('2026-07-14T22:00:00.000Z')
    expect(iso(getDayStartMs('2026-03-29', 'Europe/Madrid'))).toBe('2026-03-28T23:00:00.000Z')
    expect(iso(getDayStartMs('2026-03-30', 'Europe/Madrid'))).toBe('2026-03-29T22:00:00.000Z')
    expect(iso(getDayStartMs('2026-10-25', 'Europe/Madrid'))).toBe('2026-10-24T22:00:00.000Z')
    expect(iso(getDayStartMs('2026-10-26', 'Europe/Madrid'))).toBe('2026-10-25T23:00:00.000Z')
    // West of Greenwich, a half-hour zone, and UTC.
    expect(iso(getDayStartMs('2026-11-01', 'America/Los_Angeles'))).toBe('2026-11-01T07:00:00.000Z')
    expect(iso(getDayStartMs('2026-11-02', 'America/Los_Angeles'))).toBe('2026-11-02T08:00:00.000Z')
    expect(iso(getDayStartMs('2026-12-05', 'Asia/Kolkata'))).toBe('2026-12-04T18:30:00.000Z')
    expect(iso(getDayStartMs('2026-12-05', 'UTC'))).toBe('2026-12-05T00:00:00.000Z')
  })

  it('is the first minute of the day where a DST change skips midnight', () => {
    // America/Santiago springs forward at 00:00 (-04:00 → -03:00) on 2026-09-06: the day starts at 01:00.
    const start = getDayStartMs('2026-09-06', 'America/Santiago')
    expect(iso(start)).toBe('2026-09-06T04:00:00.000Z')
    expect(getDay(start, 'America/Santiago')).toBe('2026-09-06')
    expect(getDay(start - 1, 'America/Santiago')).toBe('2026-09-05')
  })
})

describe('days', () => {
  it('moves and counts calendar days across months and leap days', () => {
    expect(addDays('2028-02-28', 1)).toBe('2028-02-29')
    expect(addDays('2026-03-01', -1)).toBe('2026-02-28')
    expect(countDays('2026-11-01', '2026-11-01')).toBe(1)
    expect(countDays('2026-01-01', '2026-12-31')).toBe(365)
    expect(getDay(Date.parse('2026-12-05T23:30:00Z'), 'Europe/Madrid')).toBe('2026-12-06')
    expect(getDay(Date.parse('2026-12-05T23:30:00Z'), 'America/Los_Angeles')).toBe('2026-12-05')
  })
})

describe('checkCustom', () => {
  it('accepts from ≤ to within 730 days, and names the field at fault otherwise', () => {
    expect(checkCustom('2026-11-01', '2026-11-01')).toBeUndefined()
    expect(checkCustom('2024-12-06', '2026-12-05')).toBeUndefined()
    expect(checkCustom('2024-12-05', '2026-12-05')).toMatchObject({ field: 'to', message: /730 days/ })
    expect(checkCustom('2026-11-02', '2026-11-01')).toMatchObject({
      field: 'to',
      message: /on or after From/,
    })
    expect(checkCustom('', '2026-11-01')).toMatchObject({ field: 'from' })
    expect(checkCustom('2026-02-30', '2026-03-01')).toMatchObject({ field: 'from' })
    expect(checkCustom('2026-11-01', '11/02/2026')).toMatchObject({ field: 'to' })
  })
})

describe('toInstants', () => {
  const now = Date.parse('2026-12-05T21:30:00Z')

  it('ends a preset now', () => {
    expect(toInstants({ kind: 'preset', days: 7 }, 'Europe/Madrid', now)).toEqual({
      from: '2026-11-28T21:30:00.000Z',
      to: '2026-12-05T21:30:00.000Z',
    })
  })

  it('runs a custom range from the start of its first day to the start of the day after its last, in the zone', () => {
    expect(
      toInstants({ kind: 'custom', from: '2026-10-24', to: '2026-10-25' }, 'Europe/Madrid', now),
    ).toEqual({
      from: '2026-10-23T22:00:00.000Z',
      to: '2026-10-25T23:00:00.000Z',
    })
  })
})

describe('range state in the URL', () => {
  it('round-trips presets, custom ranges and the site, leaving the default out', () => {
    const states: [RangeState, string][] = [
      [{ choice: { kind: 'preset', days: 7 }, site: '' }, ''],
      [{ choice: { kind: 'preset', days: 30 }, site: 'web' }, '?range=30d&site=web'],
      [
        { choice: { kind: 'custom', from: '2026-11-01', to: '2026-11-30' }, site: '' },
        '?from=2026-11-01&to=2026-11-30',
      ],
    ]
    for (const [state, search] of states) {
      expect(writeRangeState(state)).toBe(search)
      expect(readRangeState(search)).toEqual(state)
    }
  })

  it('reads a missing, unknown or invalid range as the last 7 days', () => {
    const lastWeek = { kind: 'preset', days: 7 }
    expect(readRangeState('?range=5d').choice).toEqual(lastWeek)
    expect(readRangeState('?from=2026-11-30&to=2026-11-01').choice).toEqual(lastWeek)
    expect(readRangeState('?from=2026-11-01').choice).toEqual(lastWeek)
    expect(readRangeState('?site=shop')).toEqual({ choice: lastWeek, site: 'shop' })
  })
})
