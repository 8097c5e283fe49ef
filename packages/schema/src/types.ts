/**
 * The event envelope: the Segment Spec (https://segment.com/docs/connections/spec/common/) as
 * plain TypeScript types. This module has no runtime code, so SDKs can `import type` from it
 * without pulling zod into their bundles. The zod schemas in `./zod/` are checked against these
 * types at compile time (test/types.tst.ts).
 */

/** The six Segment call types. */
export type EventType = 'track' | 'page' | 'screen' | 'identify' | 'group' | 'alias'

/** Free-form JSON object carried by `properties` and `traits`. */
export type JsonObject = { [key: string]: unknown }

/** Engagement level computed by the browser SDK from active time, scroll depth and interactions. */
export type EngagementLevel = 'low' | 'medium' | 'high'

/** Segment's consent object. Rastro uses the categories `analytics` and `marketing`. */
export interface ConsentContext {
  /** Category name → whether the visitor allowed it. Source: Segment Consent Management. */
  categoryPreferences: { [category: string]: boolean }
}

/** Page fields of `context.page` (and of a page call's `properties`). */
export interface PageContext {
  url?: string
  path?: string
  referrer?: string
  title?: string
  search?: string
}

/** UTM campaign fields of `context.campaign`, named as Segment names them (`name` is `utm_campaign`). */
export interface CampaignContext {
  name?: string
  source?: string
  medium?: string
  term?: string
  content?: string
}

/**
 * `context` of an event: Segment's standard fields plus Rastro's own (session id, consent, smart
 * event score, engagement level, bot flag). Unknown keys are kept.
 */
export interface EventContext {
  /** Client IP. The collector uses the connection's address when this is absent, and anonymises either. */
  ip?: string
  /** User agent. The collector uses the request's `User-Agent` header when this is absent. */
  userAgent?: string
  locale?: string
  timezone?: string
  library?: { name: string; version: string }
  page?: PageContext
  campaign?: CampaignContext
  screen?: { width?: number; height?: number; density?: number }
  /** Rastro session id (the browser SDK rotates it after 30 min of inactivity). */
  sessionId?: string
  consent?: ConsentContext
  /** Smart-event relevance score, 1-10. */
  score?: number
  engagement?: EngagementLevel
  /** Set by a client that detected automation (e.g. `navigator.webdriver`). */
  bot?: boolean
  /**
   * Set by a client that stores no identifier (cookieless mode): the event may then come without
   * `anonymousId` and `userId`, and the collector fills `anonymousId` with a daily-rotating visitor
   * hash (and `sessionId` when absent).
   */
  cookieless?: boolean
  [key: string]: unknown
}

/** Fields common to every call. Either `userId` or `anonymousId` must be set, unless `context.cookieless` is true. */
export interface BaseEvent {
  type: EventType
  /** Idempotency key: a retried event with the same id is stored once. Any string (not only UUIDs). */
  messageId?: string
  anonymousId?: string | null
  userId?: string | null
  /** ISO 8601 time at which the event happened, by the client's clock. */
  timestamp?: string
  /** ISO 8601 time at which the client sent the request; used to correct clock skew. */
  sentAt?: string
  context?: EventContext
  integrations?: JsonObject
  [key: string]: unknown
}

/** A user action. https://segment.com/docs/connections/spec/track/ */
export interface TrackEvent extends BaseEvent {
  type: 'track'
  event: string
  properties?: JsonObject
}

/** A page view. https://segment.com/docs/connections/spec/page/ */
export interface PageEvent extends BaseEvent {
  type: 'page'
  name?: string
  category?: string
  properties?: JsonObject
}

/** A mobile screen view. https://segment.com/docs/connections/spec/screen/ */
export interface ScreenEvent extends BaseEvent {
  type: 'screen'
  name?: string
  properties?: JsonObject
}

/** Who the user is. https://segment.com/docs/connections/spec/identify/ */
export interface IdentifyEvent extends BaseEvent {
  type: 'identify'
  traits?: JsonObject
}

/** The company or account of a user. https://segment.com/docs/connections/spec/group/ */
export interface GroupEvent extends BaseEvent {
  type: 'group'
  groupId: string
  traits?: JsonObject
}

/** Merges two identities. https://segment.com/docs/connections/spec/alias/ */
export interface AliasEvent extends BaseEvent {
  type: 'alias'
  previousId: string
  userId: string
}

/** Any event of the envelope. */
export type RastroEvent = TrackEvent | PageEvent | ScreenEvent | IdentifyEvent | GroupEvent | AliasEvent

/** Body of `POST /v1/batch`. Outer `context` and `integrations` are merged into each event. */
export interface BatchRequest {
  batch: RastroEvent[]
  context?: EventContext
  integrations?: JsonObject
  /** The write key, for clients that cannot send an `Authorization` header (e.g. `sendBeacon`). */
  writeKey?: string
  sentAt?: string
}

/** One event of a request that was not accepted. */
export interface RejectedEvent {
  /** Position of the event in `batch` (0 for a single-event call). */
  index: number
  /** A `RASTRO_ERR_EVENT_*` code. */
  code: string
  message: string
  /** Path of the offending field inside the event, e.g. `properties.price`. */
  field?: string
}

/** Answer of a 2xx ingest call. */
export interface IngestResponse {
  ok: true
  /** Number of events stored (or already stored: duplicates count as accepted). */
  accepted: number
  rejected: RejectedEvent[]
}

/** Body of every 4xx/5xx answer. */
export interface ErrorResponse {
  error: {
    /** A stable `RASTRO_ERR_*` code; match on it, not on the message. */
    code: string
    message: string
    /** Name of the offending field, when one is to blame. */
    field?: string
  }
}
