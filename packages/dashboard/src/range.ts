/**
 * The dashboard's range: a preset ("last 7 days", ending now) or a custom from/to of whole days in
 * the tenant's time zone, and the site. Kept in the page's query string (`?from=2026-11-01&to=2026-11-30&site=web`,
 * `?range=30d`), beside the hash route, so a reload or a shared link shows the same data.
 */

/** The presets, in days back from now. */
export const PRESET_DAYS = [1, 7, 30, 90] as const

/** The preset shown when the URL names none. */
export const DEFAULT_DAYS = 7

/**
 * Longest custom range (days, both ends included). The analytics API refuses ranges over 731 × 24 h
 * (`analytics-range.ts`); one day less leaves room for the hour a DST change may add.
 */
export const MAX_CUSTOM_DAYS = 730

/** A day as `YYYY-MM-DD` (ISO 8601 calendar date, as `<input type="date">` reads and writes it). */
export type Day = string

export type RangeChoice = { kind: 'preset'; days: number } | { kind: 'custom'; from: Day; to: Day }

/** What the URL keeps: the range and the site ('' for all). */
export interface RangeState {
  choice: RangeChoice
  site: string
}

const DAY_PATTERN = /^(\d{4})-(\d{2})-(\d{2})$/
const DAY_MS = 86_400_000

/** Epoch ms of 00:00 UTC of `day`, or NaN when it is not a real calendar day. */
function toUtcMs(day: Day): number {
  const match = DAY_PATTERN.exec(day)
  if (!match) return NaN
  const [year, month, date] = [Number(match[1]), Number(match[2]), Number(match[3])]
  const ms = Date.UTC(year, month - 1, date)
  return new Date(ms).getUTCDate() === date && new Date(ms).getUTCMonth() === month - 1 ? ms : NaN
}

/** Whether `value` is a real calendar day written `YYYY-MM-DD`. */
export function isDay(value: string): boolean {
  return !Number.isNaN(toUtcMs(value))
}

/** `day` moved by `days` (negative: back). */
export function addDays(day: Day, days: number): Day {
  return new Date(toUtcMs(day) + days * DAY_MS).toISOString().slice(0, 10)
}

/** Days from `from` to `to`, both included (1 for a single day). */
export function countDays(from: Day, to: Day): number {
  return Math.round((toUtcMs(to) - toUtcMs(from)) / DAY_MS) + 1
}

const partsFormats = new Map<string, Intl.DateTimeFormat>()

/** The wall-clock date and time at `epochMs` in `timeZone`, as numbers. */
function getWallClock(epochMs: number, timeZone: string) {
  let format = partsFormats.get(timeZone)
  if (!format) {
    format = new Intl.DateTimeFormat('en-US', {
      timeZone,
      hourCycle: 'h23',
      year: 'numeric',
      month: 'numeric',
      day: 'numeric',
      hour: 'numeric',
      minute: 'numeric',
      second: 'numeric',
    })
    partsFormats.set(timeZone, format)
  }
  const parts: Record<string, number> = {}
  for (const part of format.formatToParts(new Date(epochMs))) parts[part.type] = Number(part.value)
  return parts as Record<'year' | 'month' | 'day' | 'hour' | 'minute' | 'second', number>
}

/** How far `timeZone`'s wall clock is ahead of UTC at `epochMs` (ms; negative west of Greenwich). */
function getOffsetMs(epochMs: number, timeZone: string): number {
  const wall = getWallClock(epochMs, timeZone)
  const wallAsUtc = Date.UTC(wall.year, wall.month - 1, wall.day, wall.hour, wall.minute, wall.second)
  return wallAsUtc - (epochMs - (((epochMs % 1000) + 1000) % 1000))
}

/**
 * The instant `day` starts in `timeZone` (epoch ms): its 00:00, or the first minute after it where
 * a DST change skips midnight. Two passes over the zone's offset (before and at the answer)
 * settle a change between UTC midnight and local midnight.
 */
export function getDayStartMs(day: Day, timeZone: string): number {
  const utcMs = toUtcMs(day)
  const first = utcMs - getOffsetMs(utcMs, timeZone)
  const second = utcMs - getOffsetMs(first, timeZone)
  // Midnight skipped (clocks jumped forward at 00:00): the earlier candidate falls on the day before.
  return getWallClock(second, timeZone).day === Number(day.slice(8)) ? second : Math.max(first, second)
}

/** The day `epochMs` falls on in `timeZone`. */
export function getDay(epochMs: number, timeZone: string): Day {
  const wall = getWallClock(epochMs, timeZone)
  return `${String(wall.year).padStart(4, '0')}-${String(wall.month).padStart(2, '0')}-${String(wall.day).padStart(2, '0')}`
}

/**
 * Why a custom range cannot be read, naming the field at fault, or undefined when it can.
 * Rules: both days real, `from` ≤ `to`, at most {@link MAX_CUSTOM_DAYS} days.
 */
export function checkCustom(from: string, to: string): { field: 'from' | 'to'; message: string } | undefined {
  if (!isDay(from)) return { field: 'from', message: 'From: enter a date.' }
  if (!isDay(to)) return { field: 'to', message: 'To: enter a date.' }
  if (to < from) return { field: 'to', message: 'To must be on or after From.' }
  if (countDays(from, to) > MAX_CUSTOM_DAYS)
    return { field: 'to', message: `The range can be at most ${MAX_CUSTOM_DAYS} days.` }
  return undefined
}

/**
 * The range's instants (ISO 8601) for the analytics API: a preset ends now; a custom range runs
 * from the start of `from` to the start of the day after `to` (end exclusive), in `timeZone`.
 */
export function toInstants(
  choice: RangeChoice,
  timeZone: string,
  nowMs: number,
): { from: string; to: string } {
  if (choice.kind === 'preset') {
    return { from: new Date(nowMs - choice.days * DAY_MS).toISOString(), to: new Date(nowMs).toISOString() }
  }
  return {
    from: new Date(getDayStartMs(choice.from, timeZone)).toISOString(),
    to: new Date(getDayStartMs(addDays(choice.to, 1), timeZone)).toISOString(),
  }
}

/** The state a query string keeps; anything missing or invalid reads as the default (last 7 days). */
export function readRangeState(search: string): RangeState {
  const params = new URLSearchParams(search)
  const site = params.get('site') ?? ''
  const from = params.get('from')
  const to = params.get('to')
  if (from !== null && to !== null && checkCustom(from, to) === undefined) {
    return { choice: { kind: 'custom', from, to }, site }
  }
  const days = Number(/^(\d+)d$/.exec(params.get('range') ?? '')?.[1])
  const preset = (PRESET_DAYS as readonly number[]).includes(days) ? days : DEFAULT_DAYS
  return { choice: { kind: 'preset', days: preset }, site }
}

/** The query string (with its `?`, or '' for the default) that {@link readRangeState} reads back as `state`. */
export function writeRangeState(state: RangeState): string {
  const params = new URLSearchParams()
  if (state.choice.kind === 'custom') {
    params.set('from', state.choice.from)
    params.set('to', state.choice.to)
  } else if (state.choice.days !== DEFAULT_DAYS) {
    params.set('range', `${state.choice.days}d`)
  }
  if (state.site) params.set('site', state.site)
  const text = params.toString()
  return text ? `?${text}` : ''
}
