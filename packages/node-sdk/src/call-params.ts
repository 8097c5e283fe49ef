/**
 * The arguments of `track`, `identify`, `page`, `screen`, `group` and `alias`: the Segment Spec's
 * fields (https://segment.com/docs/connections/spec/common/), as `@segment/analytics-node` takes
 * them, so code written for it runs unchanged.
 */
import type { EventContext, JsonObject } from '@rastro/schema/types'

/** Fields every call takes. Either `userId` or `anonymousId` must be set. */
export interface CallParams {
  /** Your id of the user (database id, not an email). */
  userId?: string
  /** The visitor's anonymous id; `fromRequest(req)` reads the browser SDK's. */
  anonymousId?: string
  /** Event context: `ip`, `userAgent`, `sessionId`, `traits` (email, phone…), `consent`, `page`… */
  context?: EventContext
  /** Per-destination switches, e.g. `{ "Meta": false }`. */
  integrations?: JsonObject
  /** When it happened; default: the time of the call. */
  timestamp?: Date | string
  /**
   * Idempotency key; default: a new UUID v7. Pass your own (e.g. `order-${id}`) to make a call
   * you might repeat (a payment webhook delivered twice) count once.
   */
  messageId?: string
}

/** A user action. https://segment.com/docs/connections/spec/track/ */
export interface TrackParams extends CallParams {
  event: string
  properties?: JsonObject
}

/** Who the user is. https://segment.com/docs/connections/spec/identify/ */
export interface IdentifyParams extends CallParams {
  traits?: JsonObject
}

/** A page view. https://segment.com/docs/connections/spec/page/ */
export interface PageParams extends CallParams {
  name?: string
  category?: string
  properties?: JsonObject
}

/** A mobile screen view. https://segment.com/docs/connections/spec/screen/ */
export interface ScreenParams extends CallParams {
  name?: string
  properties?: JsonObject
}

/** The account or company of the user. https://segment.com/docs/connections/spec/group/ */
export interface GroupParams extends CallParams {
  groupId: string
  traits?: JsonObject
}

/** Links the user's `previousId` (e.g. an anonymous id) to `userId`. https://segment.com/docs/connections/spec/alias/ */
export interface AliasParams extends CallParams {
  userId: string
  previousId: string
}
