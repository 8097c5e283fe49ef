/**
 * Numbers, money, durations and dates as the tenant reads them: its currency and time zone, the
 * browser's language.
 */

export interface Formatter {
  number(value: number): string
  percent(value: number): string
  /** `value` in major units of the tenant's currency. */
  money(value: number): string
  /** `minor` units (cents) of `currency`. */
  minorMoney(minor: number, currency: string): string
  /** Seconds as `1m 05s`. */
  duration(seconds: number): string
  /** A date and time in the tenant's time zone. */
  dateTime(value: string | number | Date): string
  /** A day (or an hour for hourly series) in the tenant's time zone, for axes. */
  axis(epochSeconds: number, hourly: boolean): string
  /** An ISO 3166-1 alpha-2 code's name in the browser's language (`ES` → `Spain`); other values as they are. */
  country(code: string): string
}

const ALPHA_2 = /^[A-Z]{2}$/

/**
 * The flag emoji of an ISO 3166-1 alpha-2 code: its two regional indicator symbols (U+1F1E6 + letter;
 * https://unicode.org/reports/tr51/#Flags); `''` for anything else.
 */
export function getFlag(code: string): string {
  return ALPHA_2.test(code)
    ? String.fromCodePoint(...[...code].map((letter) => 0x1f1a5 + letter.charCodeAt(0)))
    : ''
}

export function createFormatter(timeZone: string, currency: string, locale?: string): Formatter {
  const numbers = new Intl.NumberFormat(locale, { maximumFractionDigits: 1 })
  const percents = new Intl.NumberFormat(locale, { style: 'percent', maximumFractionDigits: 1 })
  const money = new Intl.NumberFormat(locale, { style: 'currency', currency })
  const dateTimes = new Intl.DateTimeFormat(locale, { timeZone, dateStyle: 'medium', timeStyle: 'short' })
  const days = new Intl.DateTimeFormat(locale, { timeZone, month: 'short', day: 'numeric' })
  const hours = new Intl.DateTimeFormat(locale, { timeZone, hour: '2-digit', minute: '2-digit' })
  const regions = new Intl.DisplayNames(locale ? [locale] : undefined, { type: 'region', fallback: 'code' })
  return {
    number: (value) => numbers.format(value),
    percent: (value) => percents.format(value),
    money: (value) => money.format(value),
    minorMoney: (minor, code) => {
      const format = new Intl.NumberFormat(locale, { style: 'currency', currency: code || currency })
      const digits = format.resolvedOptions().maximumFractionDigits ?? 2
      return format.format(minor / 10 ** digits)
    },
    duration: (seconds) => {
      const whole = Math.round(seconds)
      const minutes = Math.floor(whole / 60)
      return minutes > 0 ? `${minutes}m ${String(whole % 60).padStart(2, '0')}s` : `${whole}s`
    },
    dateTime: (value) => dateTimes.format(new Date(value)),
    axis: (epochSeconds, hourly) => (hourly ? hours : days).format(new Date(epochSeconds * 1000)),
    country: (code) => (ALPHA_2.test(code) ? (regions.of(code) ?? code) : code),
  }
}

/** Change from `previous` to `current` as a share (0.25 = +25%), or undefined when there was nothing before. */
export function getChange(current: number, previous: number): number | undefined {
  if (previous === 0) return undefined
  return (current - previous) / previous
}

/** Digits of the minor unit of `currency` (ISO 4217, as Intl knows it): 2 for EUR, 0 for JPY, 3 for BHD. */
export function getMinorDigits(currency: string): number {
  return (
    new Intl.NumberFormat('en', { style: 'currency', currency }).resolvedOptions().maximumFractionDigits ?? 2
  )
}

/**
 * An amount typed in major units of `currency` (`1250.5`, `1,250.50`, `1.250,50`, `1 250`) as minor
 * units (cents). The last `.` or `,` is the decimal mark when both appear, or when it is the only
 * one and is not followed by exactly three digits (then it groups thousands, as in `1,250` and `1.250`).
 *
 * @returns minor units (an integer ≥ 0), or undefined when `text` is not such an amount or has more
 *   decimals than the currency.
 */
export function parseMoney(text: string, currency: string): number | undefined {
  const digits = getMinorDigits(currency)
  const compact = text.replace(/[\s\u00a0\u202f']/g, '')
  if (!/^\d[\d.,]*$/.test(compact) || /[.,]$/.test(compact)) {
    return /^[.,]\d+$/.test(compact) ? parseMoney(`0${compact}`, currency) : undefined
  }
  const marks = compact.replace(/\d/g, '')
  const last = marks.at(-1)
  let whole = compact
  let fraction = ''
  if (last) {
    const at = compact.lastIndexOf(last)
    const after = compact.slice(at + 1)
    const mixed = marks.includes(last === '.' ? ',' : '.')
    const decimal = mixed || (marks.length === 1 && after.length !== 3)
    if (decimal) {
      whole = compact.slice(0, at)
      fraction = after
    }
    const groups = whole.split(/[.,]/)
    // Thousands groups after the first are three digits each (`1,250,000`).
    if (groups.slice(1).some((group) => group.length !== 3)) return undefined
    whole = groups.join('')
  }
  if (fraction.length > digits) return undefined
  return Number(whole) * 10 ** digits + Number(fraction.padEnd(digits, '0') || 0)
}

/** `minor` units of `currency` as plain major units for an input (`125050` EUR → `1250.50`). */
export function toMajorText(minor: number, currency: string): string {
  const digits = getMinorDigits(currency)
  return (minor / 10 ** digits).toFixed(digits)
}
