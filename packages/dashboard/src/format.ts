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
