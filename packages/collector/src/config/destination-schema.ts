/**
 * The forwarding destinations of a tenant (`tenants[].destinations` in the config file): Meta
 * Conversions API, GA4 Measurement Protocol (or a server-side GTM container speaking it) and
 * signed webhooks. Every destination has an on/off switch, an event filter, a dry-run mode, a
 * configurable endpoint and its own delivery settings; secrets are replaced by `[redacted]`
 * wherever a destination is shown ({@link redactDestination}). The API rules behind the limits
 * are in shared/specs/forwarding.md.
 */
import { z } from 'zod'

/** What {@link redactDestination} puts in place of a secret. */
export const REDACTED = '[redacted]'

/** Names of the fields that hold secrets, in any destination type. */
const SECRET_FIELDS = ['accessToken', 'apiSecret', 'secret'] as const

const destinationIdSchema = z
  .string()
  .regex(
    /^[a-z0-9][a-z0-9_-]{0,31}$/,
    'must be 1-32 lower-case letters, digits, "-" or "_", starting with a letter or digit',
  )
const httpUrlSchema = z.url({ protocol: /^https?$/ })
/** A Segment event name as sent by the SDKs (`Order Completed`). */
const sourceEventSchema = z.string().min(1).max(200)

/** Settings every destination type has. */
const commonFields = {
  /** Unique among the tenant's destinations; part of the log consumer's name. */
  id: destinationIdSchema,
  /** Off: nothing is forwarded and the destination's log cursor is dropped (it restarts at the head). */
  enabled: z.boolean().default(true),
  /** Map, validate and audit every event, but send nothing (`forward_log` outcome `dry_run`). */
  dryRun: z.boolean().default(false),
  /**
   * Track event names to forward. Unset: every event the destination has a mapping for (the
   * standard e-commerce table plus `mappings`). A listed name without a mapping is sent under a
   * name derived from it (Meta: as is; GA4: snake_case).
   */
  events: z.array(sourceEventSchema).max(1000).optional(),
  /**
   * Extra or changed mappings, Rastro event name → the destination's event name; `null` stops a
   * standard mapping (e.g. `{ "Product Viewed": null }`).
   */
  mappings: z.record(sourceEventSchema, z.string().min(1).max(100).nullable()).default({}),
  /** Longest wait for one HTTP request to the destination (ms). */
  timeoutMs: z.number().int().min(100).max(120_000).default(10_000),
  /** Longest wait of a read event before its batch is sent (ms); shared/specs/forwarding.md §6 "Flush on size or 1–5 s timer". */
  flushIntervalMs: z.number().int().min(0).max(60_000).default(1000),
  /** Requests in flight at once to this destination (requests). */
  concurrency: z.number().int().min(1).max(64).default(4),
  /** First retry backoff cap (ms): the n-th retry waits random(0, min(retryMaxMs, retryBaseMs·2^n)), or Retry-After. */
  retryBaseMs: z.number().int().min(10).max(60_000).default(1000),
  /** Longest backoff between retries (ms); default 5 min (shared/specs/forwarding.md §6). */
  retryMaxMs: z.number().int().min(10).max(3_600_000).default(300_000),
}

/** Meta Conversions API (shared/specs/forwarding.md §1). */
export const metaDestinationSchema = z.strictObject({
  type: z.literal('meta'),
  ...commonFields,
  /** Forward page calls as `PageView`. */
  pageViews: z.boolean().default(true),
  /** The pixel (dataset) id the events belong to. */
  pixelId: z.string().regex(/^\d{1,20}$/, 'must be the numeric pixel id'),
  /** Conversions API access token (a secret: shown as `[redacted]`). */
  accessToken: z.string().min(10).max(1000),
  /** Graph API version; CAPI versions stay supported ≥ 2 years. */
  apiVersion: z
    .string()
    .regex(/^v\d+\.\d+$/, 'must look like v26.0')
    .default('v26.0'),
  /** Graph API base URL (a proxy or a test server). */
  apiUrl: httpUrlSchema.default('https://graph.facebook.com'),
  /** Events Manager "Test events" code. Test events still count: never leave it set in production. */
  testEventCode: z.string().min(1).max(100).optional(),
  /** Send `data_processing_options: ["LDU"]` (US state privacy laws), country and state geolocated by Meta. */
  limitedDataUse: z.boolean().default(false),
  /** Events per request (Meta allows 1,000). */
  maxBatchEvents: z.number().int().min(1).max(1000).default(1000),
})

/** GA4 event names: `^[A-Za-z][A-Za-z0-9_]*$`, at most 40 characters (shared/specs/forwarding.md §2 "Limits"). */
const ga4NameSchema = z
  .string()
  .regex(/^[A-Za-z][A-Za-z0-9_]{0,39}$/, 'must be a GA4 event name (letters, digits, _; ≤ 40)')

/** GA4 Measurement Protocol, to Google or to a server-side GTM container (shared/specs/forwarding.md §2, §3). */
export const ga4DestinationSchema = z.strictObject({
  type: z.literal('ga4'),
  ...commonFields,
  mappings: z.record(sourceEventSchema, ga4NameSchema.nullable()).default({}),
  /** Forward page calls as `page_view`. */
  pageViews: z.boolean().default(true),
  /** The web stream's measurement id. */
  measurementId: z.string().regex(/^G-[A-Z0-9]{4,20}$/, 'must look like G-XXXXXXX'),
  /** Measurement Protocol API secret (a secret: shown as `[redacted]`). */
  apiSecret: z.string().min(8).max(200),
  /** `https://www.google-analytics.com`, `https://region1.google-analytics.com` (EU) or a server-side GTM URL. */
  apiUrl: httpUrlSchema.default('https://www.google-analytics.com'),
  /** Events per request: GA4 takes at most 25, all of one visitor. */
  maxBatchEvents: z.number().int().min(1).max(25).default(25),
})

/** A JSON POST per event, signed with HMAC-SHA256 (`X-Rastro-Signature`), for n8n, Zapier or a shop's backend. */
export const webhookDestinationSchema = z.strictObject({
  type: z.literal('webhook'),
  ...commonFields,
  /** Forward page calls too (type `page`). */
  pageViews: z.boolean().default(false),
  url: httpUrlSchema,
  /** HMAC key of the signature (a secret: shown as `[redacted]`). */
  secret: z.string().min(16, 'must be at least 16 characters').max(500),
  /** The consent category an event needs to be sent here; `none` for a backend that needs none. */
  consent: z.enum(['analytics', 'marketing', 'none']).default('analytics'),
  /** Stop retrying an event this many hours after it happened (hours). */
  windowHours: z.number().int().min(1).max(720).default(72),
})

export const destinationSchema = z.discriminatedUnion('type', [
  metaDestinationSchema,
  ga4DestinationSchema,
  webhookDestinationSchema,
])

/**
 * What an event without `context.consent.categoryPreferences` (a server event, a plain Segment
 * client) is taken to have consented to. Default: nothing, so such events are not forwarded.
 */
export const defaultConsentSchema = z.strictObject({
  analytics: z.boolean().default(false),
  marketing: z.boolean().default(false),
})

export type DestinationConfig = z.infer<typeof destinationSchema>
export type MetaDestinationConfig = z.infer<typeof metaDestinationSchema>
export type Ga4DestinationConfig = z.infer<typeof ga4DestinationSchema>
export type WebhookDestinationConfig = z.infer<typeof webhookDestinationSchema>
export type DefaultConsent = z.infer<typeof defaultConsentSchema>

/** `url` without the password it may carry (`https://user:secret@proxy.example`). */
function redactUrl(url: string): string {
  const parsed = new URL(url)
  if (!parsed.password) return url
  parsed.password = REDACTED
  return parsed.toString()
}

/**
 * A copy of `destination` with its secrets replaced by `[redacted]` (tokens, API secrets, webhook
 * secrets, and passwords inside URLs), safe to print or return.
 */
export function redactDestination<T extends DestinationConfig>(destination: T): T {
  const copy: Record<string, unknown> = { ...destination }
  for (const field of SECRET_FIELDS) if (field in copy) copy[field] = REDACTED
  for (const field of ['apiUrl', 'url']) {
    if (typeof copy[field] === 'string') copy[field] = redactUrl(copy[field])
  }
  return copy as T
}
