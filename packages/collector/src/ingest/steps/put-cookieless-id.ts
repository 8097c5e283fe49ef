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
      if (context.sessionId === undefined) {
        context.sessionId = visitorIds.getSessionId(anonymousId, request.receivedAt)
        // The context changed: `putPayload` serialises it again instead of the text kept by `validateSize`.
        draft.contextJson = undefined
      }
      return undefined
    },
  }
}
