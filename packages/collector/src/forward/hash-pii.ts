/**
 * Normalises and SHA-256-hashes personal data per destination, because Meta and Google differ:
 * Meta hashes a phone as digits without `+` and leaves gmail dots alone; Google hashes the E.164
 * form with `+` and removes the dots before `@` of gmail addresses
 * (shared/specs/forwarding.md §1 "user_data — hashing matrix", §2 "user_data", §6 "PII handling").
 * Every value is put in Unicode NFC first [ours], a value that is already a SHA-256 hex digest is
 * passed through, and an empty or unusable value gives `undefined` (never the hash of "").
 */
import { createHash } from 'node:crypto'
import { parsePhoneNumberFromString, type CountryCode } from 'libphonenumber-js'
import { normalizeCountry } from '../util/normalize-country.js'

const SHA256_HEX = /^[a-f0-9]{64}$/
/** Whitespace and ASCII punctuation, what Meta's SDK strips from names (capi-param-builder piiUtil). */
const SPACE_AND_ASCII_PUNCTUATION = /[\s!-/:-@[-`{-~]/g
/** Anything but a letter or digit, in any script. */
const NOT_LETTER_OR_DIGIT = /[^\p{L}\p{N}]/gu
/** An RFC 2822-ish address, as Meta's SDK checks it: something@something.tld, no spaces. */
const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/

/** Lower-case hex SHA-256 of UTF-8 `text`. */
export function sha256Hex(text: string): string {
  return createHash('sha256').update(text, 'utf8').digest('hex')
}

/** Whether `value` already is a lower-case hex SHA-256 digest (64 hex digits). */
export function isSha256Hex(value: string): boolean {
  return SHA256_HEX.test(value)
}

function clean(value: unknown): string | undefined {
  if (typeof value === 'number' && Number.isFinite(value)) value = String(value)
  if (typeof value !== 'string') return undefined
  const text = value.normalize('NFC').trim().toLowerCase()
  return text === '' ? undefined : text
}

/**
 * Normalises with `normalize` and hashes; a value that already is a digest passes through.
 *
 * @returns the 64-hex digest, or undefined when the value is missing or normalises to nothing.
 */
export function hashWith(
  value: unknown,
  normalize: (text: string) => string | undefined,
): string | undefined {
  const text = clean(value)
  if (text === undefined) return undefined
  if (isSha256Hex(text)) return text
  const normalized = normalize(text)
  return normalized ? sha256Hex(normalized) : undefined
}

// ---- shared pieces -------------------------------------------------------------------------------

/** An email, trimmed and lower-cased, or undefined when it is not an address. */
function normalizeEmailCommon(text: string): string | undefined {
  return EMAIL.test(text) ? text : undefined
}

/** Digits of a phone number with leading zeros (an international `00` prefix) dropped; 7-15 digits (E.164). */
function getPhoneDigits(text: string): string | undefined {
  const digits = text.replace(/\D/g, '').replace(/^0+/, '')
  return digits.length >= 7 && digits.length <= 15 ? digits : undefined
}

/**
 * A phone number in E.164 (`+16505551212`), which both platforms need: with its country code
 * (forwarding.md §1 `ph`: "MUST include country code", `(650)555-1212` → `16505551212`). A number
 * written with `+` or `00` is read as it is; any other as a national number of `country` (the
 * person's address country, else the visitor's), by libphonenumber's metadata (ITU-T E.164). With
 * no country, or a number not possible there, its digits are taken to hold the country code
 * already (`16505551212`), as Meta's SDK takes them.
 *
 * @param country ISO 3166-1 alpha-2, either case.
 */
function getPhoneE164(text: string, country: string | undefined): string | undefined {
  const written = text.replace(/^00/, '+')
  const region = country && /^[a-z]{2}$/i.test(country) ? (country.toUpperCase() as CountryCode) : undefined
  if (written.startsWith('+') || region) {
    const phone = parsePhoneNumberFromString(written, region)
    if (phone?.isPossible()) return phone.number
  }
  const digits = getPhoneDigits(text)
  return digits ? `+${digits}` : undefined
}

/** US states and DC: full name (letters only) → USPS code, for Meta's "US: 2-char ANSI code". */
const US_STATES: Record<string, string> = {
  alabama: 'al',
  alaska: 'ak',
  arizona: 'az',
  arkansas: 'ar',
  california: 'ca',
  colorado: 'co',
  connecticut: 'ct',
  delaware: 'de',
  districtofcolumbia: 'dc',
  florida: 'fl',
  georgia: 'ga',
  hawaii: 'hi',
  idaho: 'id',
  illinois: 'il',
  indiana: 'in',
  iowa: 'ia',
  kansas: 'ks',
  kentucky: 'ky',
  louisiana: 'la',
  maine: 'me',
  maryland: 'md',
  massachusetts: 'ma',
  michigan: 'mi',
  minnesota: 'mn',
  mississippi: 'ms',
  missouri: 'mo',
  montana: 'mt',
  nebraska: 'ne',
  nevada: 'nv',
  newhampshire: 'nh',
  newjersey: 'nj',
  newmexico: 'nm',
  newyork: 'ny',
  northcarolina: 'nc',
  northdakota: 'nd',
  ohio: 'oh',
  oklahoma: 'ok',
  oregon: 'or',
  pennsylvania: 'pa',
  rhodeisland: 'ri',
  southcarolina: 'sc',
  southdakota: 'sd',
  tennessee: 'tn',
  texas: 'tx',
  utah: 'ut',
  vermont: 'vt',
  virginia: 'va',
  washington: 'wa',
  westvirginia: 'wv',
  wisconsin: 'wi',
  wyoming: 'wy',
}

// ---- Meta (shared/specs/forwarding.md §1) ------------------------------------------------------------

/** `em`: trimmed, lower case; not an address → undefined. */
export function normalizeMetaEmail(text: string): string | undefined {
  return normalizeEmailCommon(text)
}

/**
 * `ph`: E.164 digits without `+` (`16505551212`); a national number gets the country code of
 * `country` (see {@link getPhoneE164}).
 */
export function normalizeMetaPhone(text: string, country?: string): string | undefined {
  return getPhoneE164(text, country)?.slice(1)
}

/** `fn`, `ln`: lower case without whitespace or ASCII punctuation; other scripts kept in UTF-8 (`valéry`). */
export function normalizeMetaName(text: string): string | undefined {
  return text.replace(SPACE_AND_ASCII_PUNCTUATION, '') || undefined
}

/** `ct`: lower case, letters and digits only (`newyork`). */
export function normalizeMetaCity(text: string): string | undefined {
  return text.replace(NOT_LETTER_OR_DIGIT, '') || undefined
}

/** `st`: a US state's 2-letter code (full names mapped: `california` → `ca`), else letters and digits only. */
export function normalizeMetaState(text: string): string | undefined {
  const letters = text.replace(NOT_LETTER_OR_DIGIT, '')
  return US_STATES[letters] ?? (letters || undefined)
}

/** `zp`: lower case without spaces or dashes; a US ZIP+4 keeps its first 5 digits (`94035`), UK `m11ae`. */
export function normalizeMetaZip(text: string, country?: string): string | undefined {
  const compact = text.replace(/[\s-]/g, '')
  if (/^\d{9}$/.test(compact) || (country === 'us' && /^\d{5,}$/.test(compact))) return compact.slice(0, 5)
  const zip = compact.replace(NOT_LETTER_OR_DIGIT, '')
  return zip.length >= 2 ? zip : undefined
}

/** `country`: ISO 3166-1 alpha-2 lower case (`United States` → `us`). */
export function normalizeMetaCountry(text: string): string | undefined {
  return normalizeCountry(text)
}

/** `ge`: `f` or `m` (common words mapped); anything else → undefined. */
export function normalizeMetaGender(text: string): string | undefined {
  const word = text.replace(NOT_LETTER_OR_DIGIT, '')
  if (['f', 'female', 'woman', 'w', 'girl'].includes(word)) return 'f'
  if (['m', 'male', 'man', 'boy'].includes(word)) return 'm'
  return undefined
}

/**
 * `db`: `YYYYMMDD` from `YYYY-MM-DD` (an ISO date-time too), `YYYYMMDD`, `YYYY/MM/DD` or the US
 * `M/D/YYYY` (`2/16/1997` → `19970216`); a year before 1900 or a date after today → undefined.
 */
export function normalizeMetaDateOfBirth(text: string, nowMs = Date.now()): string | undefined {
  let parts: RegExpExecArray | null
  let year: number, month: number, day: number
  if ((parts = /^(\d{4})[-/.]?(\d{2})[-/.]?(\d{2})(?:$|t)/.exec(text))) {
    ;[year, month, day] = [Number(parts[1]), Number(parts[2]), Number(parts[3])]
  } else if ((parts = /^(\d{1,2})[/.-](\d{1,2})[/.-](\d{4})$/.exec(text))) {
    ;[month, day, year] = [Number(parts[1]), Number(parts[2]), Number(parts[3])]
  } else return undefined
  const date = new Date(Date.UTC(year, month - 1, day))
  if (date.getUTCMonth() !== month - 1 || date.getUTCDate() !== day) return undefined
  if (year < 1900 || date.getTime() > nowMs) return undefined
  return `${year}${String(month).padStart(2, '0')}${String(day).padStart(2, '0')}`
}

/** `external_id`: lower case without whitespace (as Meta's SDK), then hashed. */
export function normalizeMetaExternalId(text: string): string | undefined {
  return text.replace(/\s/g, '') || undefined
}

// ---- Google (shared/specs/forwarding.md §2 "user_data", same as Google Ads enhanced conversions) ----

/** `sha256_email_address`: trimmed, lower case, and for gmail.com/googlemail.com no dots before `@`. */
export function normalizeGoogleEmail(text: string): string | undefined {
  if (!normalizeEmailCommon(text)) return undefined
  const at = text.lastIndexOf('@')
  const domain = text.slice(at + 1)
  if (domain !== 'gmail.com' && domain !== 'googlemail.com') return text
  return `${text.slice(0, at).replaceAll('.', '')}@${domain}`
}

/**
 * `sha256_phone_number`: E.164 with its `+` (`+16505551212`); a national number gets the country
 * code of `country` (see {@link getPhoneE164}).
 */
export function normalizeGooglePhone(text: string, country?: string): string | undefined {
  return getPhoneE164(text, country)
}

/** `sha256_first_name`, `sha256_last_name`: lower case without digits or symbols. */
export function normalizeGoogleName(text: string): string | undefined {
  return (
    text
      .replace(/[\p{N}\p{P}\p{S}]/gu, '')
      .replace(/\s+/g, ' ')
      .trim() || undefined
  )
}

/** `sha256_street`: lower case without symbols (digits kept). */
export function normalizeGoogleStreet(text: string): string | undefined {
  return (
    text
      .replace(/[\p{P}\p{S}]/gu, '')
      .replace(/\s+/g, ' ')
      .trim() || undefined
  )
}

/** Unhashed `city` and `region`: lower case without digits or symbols. */
export function normalizeGooglePlace(value: unknown): string | undefined {
  const text = clean(value)
  return text ? normalizeGoogleName(text) : undefined
}
