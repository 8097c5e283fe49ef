import type { Step } from '../pipeline.js'
import type { VisitorIds } from '../visitor-ids.js'

/**
 * Creates the step that gives a cookieless event (`context.cookieless: true`, neither
 * `anonymousId` nor `userId`) its visitor: `anonymousId` from the daily-rotating visitor hash of
 * salt, site, IP and user agent, and `context.sessionId` when the event has none. The IP and user
 * agent are the event's `context.ip`/`context.userAgent` if sent (a server relaying a visitor),
 * else the request's. Runs before `putIdentity`, which reads the ids.
 */
export function createPutCookielessId(visitorIds: VisitorIds): Step {
  return {
    name: 'putCookielessId',
    run(draft) {
      const { event, request } = draft
      const context = event.context
      if (context?.cookieless !== true || event.anonymousId || event.userId) return undefined
      const anonymousId = visitorIds.getAnonymousId(
        {
          tenantId: request.site.tenantId,
          siteId: request.site.siteId,
          ip: context.ip ?? request.ip,
          userAgent: context.userAgent ?? request.userAgent,
        },
        request.receivedAt,
      )
      event.anonymousId = anonymousId
      if (context.sessionId == null) {
        const sessionId = visitorIds.getSessionId(anonymousId, request.receivedAt)
        context.sessionId = sessionId
        // The new key comes last in the context's JSON (never `{}`: it has `cookieless`), as
        // `JSON.stringify` would put it.
        const json = draft.contextJson
        if (json !== undefined)
          draft.contextJson = `${json.slice(0, -1)},"sessionId":${JSON.stringify(sessionId)}}`
      }
      return undefined
    },
  }
}
