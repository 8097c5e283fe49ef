/**
 * Google Analytics' own ids from the request's cookies, when gtag.js runs on the shop's pages: the
 * client id of `_ga` (`GA1.1.<random>.<first visit, s>` → `<random>.<first visit, s>`) and each web
 * stream's session id of `_ga_<stream>` (`GS1.1.<session start, s>.…`, or `GS2.1.s<session start,
 * s>$o…`), as `@rastro/browser` sends them in `context.ga4`, so a server conversion forwarded to
 * GA4 counts as gtag's user and session (shared/specs/forwarding.md §2: `client_id` "must match
 * the browser's GA client id if one exists").
 */

/** `context.ga4`: the client id, and session ids by measurement id (`G-` and the cookie's suffix). */
export interface Ga4Ids {
  clientId: string
  sessionIds?: Record<string, string>
}

/** The ids in parsed cookies (see `parseCookies`), or undefined without a `_ga` cookie. */
export function getGa4Ids(cookies: ReadonlyMap<string, string>): Ga4Ids | undefined {
  const client = /^GA\d\.\d+\.(\d+\.\d+)$/.exec(cookies.get('_ga') ?? '')
  if (!client) return undefined
  const ids: Ga4Ids = { clientId: client[1]! }
  for (const [name, value] of cookies) {
    const stream = /^_ga_(\w+)$/.exec(name)
    const session = stream && /^GS\d\.\d+\.s?(\d+)/.exec(value)
    if (session) (ids.sessionIds ??= {})[`G-${stream[1]}`] = session[1]!
  }
  return ids
}
