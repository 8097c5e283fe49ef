/**
 * Google Analytics' own ids, when gtag.js runs on the page too: the client id of `_ga`
 * (`GA1.1.<random>.<first visit, s>` → `<random>.<first visit, s>`) and each web stream's session
 * id of `_ga_<stream>` (`GS1.1.<session start, s>.…`, or `GS2.1.s<session start, s>$o…`), so the
 * events the collector sends to GA4's Measurement Protocol count as the same user and session as
 * gtag's (shared/specs/forwarding.md §2: `client_id` "must match the browser's GA client id if one
 * exists"). Read, never written.
 */

/** `context.ga4`: the client id, and session ids by measurement id (`G-` and the cookie's suffix). */
export interface Ga4Ids {
  clientId: string
  sessionIds?: Record<string, string>
}

/** The ids in a `document.cookie` string, or undefined without a `_ga` cookie. */
export function getGa4Ids(cookie: string): Ga4Ids | undefined {
  const client = /(?:^|; )_ga=GA\d\.\d+\.(\d+\.\d+)/.exec(cookie)
  if (!client) return undefined
  const ids: Ga4Ids = { clientId: client[1]! }
  const sessions = /(?:^|; )_ga_(\w+)=GS\d\.\d+\.s?(\d+)/g
  for (let match; (match = sessions.exec(cookie));) (ids.sessionIds ||= {})['G-' + match[1]] = match[2]!
  return ids
}
