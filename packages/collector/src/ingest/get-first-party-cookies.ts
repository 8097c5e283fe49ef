/**
 * Meta's `_fbp` (browser id) and `_fbc` (click id) as server-set first-party cookies, for a site
 * that serves the collector under its own domain: Safari caps cookies written by scripts at 7 days
 * (24 hours after a click from a tracker-flagged link), not those set by the site's server
 * (https://webkit.org/blog/10218/full-third-party-cookie-blocking-and-more/). Values the browser
 * already has are kept; formats per Meta
 * (https://developers.facebook.com/docs/marketing-api/conversions-api/parameters/fbp-and-fbc/):
 * `_fbp` = `fb.1.<creation ms>.<random>`, `_fbc` = `fb.1.<creation ms>.<fbclid>`.
 */
import { randomInt } from 'node:crypto'
import type { EventContext } from '@rastro/schema'
import type { EventRow } from './event-row.js'

/** Lifetime of both cookies (s): 90 days, as Meta's pixel sets them. */
export const FIRST_PARTY_COOKIE_MAX_AGE_S = 90 * 86_400

/** A cookie value Meta could have made: `fb.<subdomain index>.<ms>.<random or fbclid>`. */
const FBP = /^fb\.\d\.\d{1,16}\.\d{1,20}$/
const FBC = /^fb\.\d\.\d{1,16}\.[\x21\x23-\x2B\x2D-\x3A\x3C-\x5B\x5D-\x7E]{1,1000}$/
/** An fbclid usable in a cookie value (RFC 6265 §4.1.1 cookie-octets). */
const FBCLID = /^[\x21\x23-\x2B\x2D-\x3A\x3C-\x5B\x5D-\x7E]{1,1000}$/

export interface FirstPartyCookieInput {
  /** The request's `Cookie` header. */
  cookieHeader: string | undefined
  /** The request's accepted events, in order. */
  rows: readonly EventRow[]
  /** Marketing consent of events that state none (the tenant's `defaultConsent.marketing`). */
  defaultMarketing: boolean
  /** Whether the page talks to us over https (the cookies then get `Secure`). */
  secure: boolean
  /** `Domain` attribute; undefined: host-only. */
  domain: string | undefined
  /** Now (epoch ms). */
  now: number
}

/** `name=value` pairs of a `Cookie` header (RFC 6265 §5.4); the first of a repeated name wins. */
function parseCookies(header: string | undefined): Map<string, string> {
  const cookies = new Map<string, string>()
  for (const pair of header?.split(';') ?? []) {
    const at = pair.indexOf('=')
    if (at === -1) continue
    const name = pair.slice(0, at).trim()
    if (!cookies.has(name)) cookies.set(name, pair.slice(at + 1).trim())
  }
  return cookies
}

/**
 * What `read` finds in the `context` of the latest event that has it, looking only at events
 * whose context text contains `needle` (most parse nothing).
 */
function findInContext<T>(
  rows: readonly EventRow[],
  needle: string,
  read: (context: EventContext) => T | undefined,
): T | undefined {
  for (let i = rows.length - 1; i >= 0; i--) {
    if (!rows[i]!.context.includes(needle)) continue
    try {
      const found = read(JSON.parse(rows[i]!.context) ?? {})
      if (found !== undefined) return found
    } catch {
      // context is JSON made by ingest; never reached
    }
  }
  return undefined
}

const readMarketing = (context: EventContext) => {
  const marketing = context.consent?.categoryPreferences?.marketing
  return typeof marketing === 'boolean' ? marketing : undefined
}
const readText = (key: string) => (context: EventContext) =>
  typeof context[key] === 'string' ? context[key] : undefined

/** The first of `values` that matches `format`. */
function pickValid(format: RegExp, ...values: (string | undefined)[]): string | undefined {
  return values.find((value) => value !== undefined && format.test(value))
}

/** The `fbclid` of the latest event's page URL that has one. */
function getFbclid(rows: readonly EventRow[]): string | undefined {
  for (let i = rows.length - 1; i >= 0; i--) {
    const url = rows[i]!.url
    if (!url.includes('fbclid=')) continue
    try {
      const fbclid = new URL(url).searchParams.get('fbclid')
      if (fbclid && FBCLID.test(fbclid)) return fbclid
    } catch {
      // not an absolute URL
    }
  }
  return undefined
}

/**
 * The `Set-Cookie` values for the answer: none without marketing consent (the latest stated by the
 * events, else the tenant's default, denied unless set) or without events; else `_fbp` (the browser's, from its cookie or the SDK's `context.fbp`, or a new
 * one) and `_fbc` (a new one for a new `fbclid` in the page URL, else the browser's cookie or
 * `context.fbc`, else none), each `Max-Age` 90 days, `Path=/`, `SameSite=Lax`, `Secure` over https.
 */
export function getFirstPartyCookies(input: FirstPartyCookieInput): string[] {
  const { rows, now } = input
  if (rows.length === 0) return []
  const marketing = findInContext(rows, '"marketing"', readMarketing) ?? input.defaultMarketing
  if (!marketing) return []
  const cookies = parseCookies(input.cookieHeader)
  const fbp =
    pickValid(FBP, cookies.get('_fbp'), findInContext(rows, '"fbp"', readText('fbp'))) ??
    `fb.1.${now}.${randomInt(1_000_000_000, 2 ** 31 - 1)}`
  const browserFbc = pickValid(FBC, cookies.get('_fbc'), findInContext(rows, '"fbc"', readText('fbc')))
  const fbclid = getFbclid(rows)
  // The fbclid is the cookie's fourth part: Meta's parameter builder may add a fifth ("appendix").
  const fbc = fbclid && browserFbc?.split('.')[3] !== fbclid ? `fb.1.${now}.${fbclid}` : browserFbc
  const attributes = [
    `Max-Age=${FIRST_PARTY_COOKIE_MAX_AGE_S}`,
    'Path=/',
    ...(input.domain ? [`Domain=${input.domain}`] : []),
    'SameSite=Lax',
    ...(input.secure ? ['Secure'] : []),
  ].join('; ')
  return [`_fbp=${fbp}; ${attributes}`, ...(fbc ? [`_fbc=${fbc}; ${attributes}`] : [])]
}
