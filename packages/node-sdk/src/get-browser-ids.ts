/**
 * The visitor's ids that `@rastro/browser` keeps in first-party cookies, read on the server so a
 * server-side event joins the browser's visitor and session:
 * - `rastro_aid`: the anonymous id, a UUID (packages/browser-sdk/src/identity/get-anonymous-id.ts);
 * - `rastro_sid`: `<sessionId>.<lastActivityMs>`, percent-encoded; the cookie expires with the
 *   session (30 min of inactivity by default), so one that is present is current
 *   (packages/browser-sdk/src/session/get-session.ts).
 * Meta's `_fbp` and `_fbc` cookies (`fb.<subdomainIndex>.<creationTimeMs>.<random or fbclid>`)
 * pass through untouched. The consent choice (`rastro_consent`) is read by `getBrowserConsent`.
 */

/** Cookie names read by {@link getBrowserIds} and `getBrowserConsent`. */
export const BROWSER_COOKIES = {
  anonymousId: 'rastro_aid',
  session: 'rastro_sid',
  consent: 'rastro_consent',
  fbp: '_fbp',
  fbc: '_fbc',
} as const

/** Ids found in the cookies; a missing or empty cookie leaves its field out. */
export interface BrowserIds {
  anonymousId?: string
  sessionId?: string
  /** Meta browser id cookie, raw. */
  fbp?: string
  /** Meta click id cookie, raw. */
  fbc?: string
}

/** `%`-decodes a value the browser SDK wrote with `encodeURIComponent`; a malformed one is kept as is. */
function decode(value: string): string {
  if (!value.includes('%')) return value
  try {
    return decodeURIComponent(value)
  } catch {
    return value
  }
}

/** Reads the browser SDK's and Meta's cookies from parsed cookies (see `parseCookies`). */
export function getBrowserIds(cookies: ReadonlyMap<string, string>): BrowserIds {
  const ids: BrowserIds = {}
  const anonymousId = decode(cookies.get(BROWSER_COOKIES.anonymousId) ?? '')
  if (anonymousId) ids.anonymousId = anonymousId
  const [sessionId] = decode(cookies.get(BROWSER_COOKIES.session) ?? '').split('.')
  if (sessionId) ids.sessionId = sessionId
  const fbp = cookies.get(BROWSER_COOKIES.fbp)
  if (fbp) ids.fbp = fbp
  const fbc = cookies.get(BROWSER_COOKIES.fbc)
  if (fbc) ids.fbc = fbc
  return ids
}
