/**
 * Reads what a server conversion needs to join the visitor's browser session, to be forwarded with
 * the visitor's consent, and to match on ad platforms, from an incoming request of Node's `http`,
 * Express or Fastify: the browser SDK's anonymous and session ids and consent choice, Meta's
 * `_fbp`/`_fbc`, gtag's `_ga` ids, the client IP (behind trusted proxies only) and the user agent, plus the page the
 * request came from (`Referer`, Meta's `event_source_url`).
 */
import type { ConsentContext } from '@rastro/schema/types'
import { getBrowserConsent } from './get-browser-consent.js'
import { getBrowserIds } from './get-browser-ids.js'
import { compileTrust, getClientIp, type TrustProxy } from './get-client-ip.js'
import { getGa4Ids, type Ga4Ids } from './get-ga4-ids.js'
import { parseCookies } from './parse-cookies.js'

type HeaderValue = string | string[] | undefined

/**
 * The parts of a request this reads: `headers` (lower-case names, as Node gives them) and the
 * socket's peer address. Node's `IncomingMessage` and Express's `req` have `socket`; Fastify's
 * request has `socket` and `raw`.
 */
export interface RequestLike {
  headers: Record<string, HeaderValue>
  socket?: { remoteAddress?: string | undefined } | null
  raw?: { socket?: { remoteAddress?: string | undefined } | null }
}

/** Options of {@link fromRequest}. */
export interface FromRequestOptions {
  /** Which proxies' `X-Forwarded-For` to believe; default `false` (none). See {@link TrustProxy}. */
  trustProxy?: TrustProxy
}

/** What {@link fromRequest} found, ready to spread into a call: `rastro.track({ ...fromRequest(req), event })`. */
export interface RequestIds {
  /** The browser SDK's anonymous id (`rastro_aid` cookie). */
  anonymousId?: string
  context: {
    /** Client IP; the collector anonymises it before it stores or forwards it. */
    ip?: string
    userAgent?: string
    /** The browser SDK's session id (`rastro_sid` cookie). */
    sessionId?: string
    /**
     * The visitor's choice (`rastro_consent` cookie), as Segment's consent object; absent without a
     * choice, and the collector applies the tenant's `defaultConsent`.
     */
    consent?: ConsentContext
    /** Meta's `_fbp` cookie, raw. */
    fbp?: string
    /** Meta's `_fbc` cookie, raw. */
    fbc?: string
    /** gtag's client id (`_ga`) and session ids (`_ga_<stream>`), for the collector's GA4 destination. */
    ga4?: Ga4Ids
    /** The page that made the request (`Referer`). */
    page?: { url: string }
  }
}

function first(value: HeaderValue): string | undefined {
  return Array.isArray(value) ? value[0] : value
}

/**
 * Reads the visitor's ids from a request.
 *
 * @throws TypeError when `trustProxy` holds something that is not an IP address or range.
 * @example
 * app.post('/checkout', (req, reply) => {
 *   rastro.track(orderCompleted(order, { userId, ...fromRequest(req, { trustProxy: 1 }) }))
 * })
 */
export function fromRequest(req: RequestLike, options: FromRequestOptions = {}): RequestIds {
  return readRequestIds(req, compileTrust(options.trustProxy ?? false))
}

/** {@link fromRequest} with the trust setting already compiled (the client compiles it once). */
export function readRequestIds(
  req: RequestLike,
  trust: (address: string, hop: number) => boolean,
): RequestIds {
  const headers = req.headers
  const cookies = parseCookies(headers.cookie)
  const { anonymousId, sessionId, fbp, fbc } = getBrowserIds(cookies)
  const consent = getBrowserConsent(cookies)
  const ip = getClientIp(
    req.socket?.remoteAddress ?? req.raw?.socket?.remoteAddress,
    [headers['x-forwarded-for'] ?? []].flat().join(','),
    trust,
  )
  const userAgent = first(headers['user-agent'])
  const referer = first(headers.referer)
  const context: RequestIds['context'] = {}
  if (ip) context.ip = ip
  if (userAgent) context.userAgent = userAgent
  if (sessionId) context.sessionId = sessionId
  if (consent) context.consent = consent
  if (fbp) context.fbp = fbp
  if (fbc) context.fbc = fbc
  const ga4 = getGa4Ids(cookies)
  if (ga4) context.ga4 = ga4
  if (referer) context.page = { url: referer }
  return anonymousId ? { anonymousId, context } : { context }
}
