/**
 * Epoch ms as ClickHouse `DateTime64(3)` text in UTC (`2026-11-22 10:00:00.000`), the form of
 * every time column of the `events` rows: by arithmetic and small caches, since each event has
 * two or three times to write and `Date.toISOString` cost ~1 µs per event (measured with
 * `npm run bench:steps`).
 */

/** Recent answers of {@link toClickHouseTime}, direct-mapped by ms: a request's events share their times. */
const CACHE_SLOTS = 16
const cachedMs = new Float64Array(CACHE_SLOTS).fill(NaN)
const cachedText = new Array<string>(CACHE_SLOTS).fill('')

const DAY_MS = 86_400_000
/** Times formatted by arithmetic: years 1000-9999 (four digits), whole ms; others by `Date`. */
const MIN_FAST_MS = Date.UTC(1000, 0, 1)
const MAX_FAST_MS = Date.UTC(9999, 11, 31, 23, 59, 59, 999)
const TWO_DIGITS = Array.from({ length: 100 }, (_, i) => String(i).padStart(2, '0'))
const THREE_DIGITS = Array.from({ length: 1000 }, (_, i) => String(i).padStart(3, '0'))

/**
 * `YYYY-MM-DD HH:MM:SS.mmm` of whole epoch ms in years 1000-9999, without a `Date` (`toISOString`
 * cost ~1 µs per event, measured): the civil date of a day number by Howard Hinnant's
 * `civil_from_days` (https://howardhinnant.github.io/date_algorithms.html#civil_from_days).
 */
function formatTime(ms: number): string {
  const days = Math.floor(ms / DAY_MS)
  let rest = ms - days * DAY_MS
  if (days !== lastDay) {
    lastDay = days
    lastDate = formatDate(days)
  }
  const hours = Math.floor(rest / 3_600_000)
  rest -= hours * 3_600_000
  const minutes = Math.floor(rest / 60_000)
  rest -= minutes * 60_000
  const seconds = Math.floor(rest / 1000)
  return `${lastDate} ${TWO_DIGITS[hours]}:${TWO_DIGITS[minutes]}:${TWO_DIGITS[seconds]}.${THREE_DIGITS[rest - seconds * 1000]}`
}

/** The day of the last time formatted and its `YYYY-MM-DD`: a request's events share their day. */
let lastDay = NaN
let lastDate = ''

/** `YYYY-MM-DD` of a day number (days since 1970-01-01) by `civil_from_days`. */
function formatDate(days: number): string {
  const z = days + 719_468
  const era = Math.floor(z / 146_097)
  const dayOfEra = z - era * 146_097
  const yearOfEra = Math.floor(
    (dayOfEra -
      Math.floor(dayOfEra / 1460) +
      Math.floor(dayOfEra / 36_524) -
      Math.floor(dayOfEra / 146_096)) /
      365,
  )
  const dayOfYear = dayOfEra - (365 * yearOfEra + Math.floor(yearOfEra / 4) - Math.floor(yearOfEra / 100))
  const shiftedMonth = Math.floor((5 * dayOfYear + 2) / 153)
  const day = dayOfYear - Math.floor((153 * shiftedMonth + 2) / 5) + 1
  const month = shiftedMonth < 10 ? shiftedMonth + 3 : shiftedMonth - 9
  const year = yearOfEra + era * 400 + (month <= 2 ? 1 : 0)
  return `${year}-${TWO_DIGITS[month]}-${TWO_DIGITS[day]}`
}

/** Epoch ms → ClickHouse `DateTime64(3)` text in UTC (`2026-11-22 10:00:00.000`). */
export function toClickHouseTime(ms: number): string {
  const slot = (ms >>> 0) % CACHE_SLOTS
  if (cachedMs[slot] === ms) return cachedText[slot]!
  const text =
    Number.isInteger(ms) && ms >= MIN_FAST_MS && ms <= MAX_FAST_MS
      ? formatTime(ms)
      : new Date(ms).toISOString().slice(0, 23).replace('T', ' ')
  cachedMs[slot] = ms
  cachedText[slot] = text
  return text
}
