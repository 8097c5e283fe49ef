/**
 * The configuration file (`rastro.config.json`): tenants, their sites and keys, and server
 * settings. Validated with zod; `rastro config-schema` prints the JSON Schema generated from it
 * for editors (committed as `rastro.config.schema.json`).
 */
import { createHash } from 'node:crypto'
import { z } from 'zod'
import { defaultConsentSchema, destinationSchema } from './destination-schema.js'

const idSchema = z
  .string()
  .regex(
    /^[a-z0-9][a-z0-9_-]{0,63}$/i,
    'must be 1-64 letters, digits, "-" or "_", starting with a letter or digit',
  )
const sha256Schema = z.string().regex(/^[0-9a-f]{64}$/, 'must be 64 lower-case hex digits (SHA-256)')
const secretSchema = z.string().min(16, 'must be at least 16 characters').max(200)

/** Server settings, each with a default and its unit in its name. Env: `RASTRO_` + SNAKE_CASE name. */
export const settingsSchema = z.strictObject({
  /** TCP port of the HTTP server. */
  port: z.coerce.number().int().min(0).max(65535).default(8080),
  /** Interface to listen on. */
  host: z.string().default('0.0.0.0'),
  /** Directory for the embedded ClickHouse and generated keys. */
  dataDir: z.string().default('./data'),
  /** Trust `X-Forwarded-For` from this many proxies / these addresses (Fastify's `trustProxy`). */
  trustProxy: z.union([z.boolean(), z.coerce.number().int().min(0), z.string()]).default(false),
  /**
   * When an event is acknowledged: `fsync`, once its log record is written and fdatasync'ed
   * (survives a power loss); `os`, once written (survives `kill -9`; the log is fsync'ed every
   * `fsyncIntervalMs`).
   */
  durability: z.enum(['fsync', 'os']).default('fsync'),
  /** In `os` durability, how often the log is fdatasync'ed (ms). */
  fsyncIntervalMs: z.coerce.number().int().min(1).max(60_000).default(100),
  /** Size at which a log segment file is closed and a new one started (bytes). */
  segmentBytes: z.coerce
    .number()
    .int()
    .min(4096)
    .max(2 ** 31)
    .default(64 * 1024 * 1024),
  /**
   * Age at which a log segment holding events is closed and a new one started (ms): closed
   * segments are deleted once every consumer has read them, so raw events leave the disk within
   * about this long even on a quiet site.
   */
  segmentMaxAgeMs: z.coerce
    .number()
    .int()
    .min(1000)
    .max(7 * 86_400_000)
    .default(15 * 60_000),
  /** Disk bound of the log: past it, ingest answers 503 until ClickHouse catches up (bytes). */
  maxLogBytes: z.coerce
    .number()
    .int()
    .min(65_536)
    .default(1024 * 1024 * 1024),
  /** Ingest answers 503 while the data dir's file system has less free space than this (bytes). */
  minFreeDiskBytes: z.coerce
    .number()
    .int()
    .min(0)
    .default(256 * 1024 * 1024),
  /** Longest time an accepted event waits in the log before its batch is inserted (ms). */
  flushIntervalMs: z.coerce.number().int().min(10).max(60_000).default(1000),
  /** Insert as soon as this many rows are waiting (rows). */
  maxBatchRows: z.coerce.number().int().min(1).max(1_000_000).default(10_000),
  /** Hours a `messageId` is remembered to drop retried copies at ingest (hours). */
  dedupWindowHours: z.coerce.number().int().min(0).max(168).default(24),
  /**
   * Most message ids the dedup index holds, in four tables of 16 bytes per id (at most 2^19 ids
   * each, more tables past that); past it the oldest table goes (ids).
   */
  dedupMaxIds: z.coerce.number().int().min(0).default(2_000_000),
  /**
   * Embedded ClickHouse only: most threads one query or insert may use (`max_threads`,
   * `max_insert_threads`), so the engine leaves CPU to the HTTP loop; 0: ClickHouse's default.
   */
  embeddedMaxThreads: z.coerce.number().int().min(0).max(256).default(1),
  /**
   * Linux, `rastro serve`: the nice value (0-19) of every thread but the one that acknowledges
   * ingest (libuv's pool, where the embedded ClickHouse parses inserts; the engine's threads; the
   * CRM feed's worker), so acks go first when they compete for a core; 0: all at the same
   * priority. A collector embedded with `createServer` leaves its host's threads alone.
   */
  backgroundNice: z.coerce.number().int().min(0).max(19).default(10),
  /** How long a dashboard session lasts after sign-in (ms); the cookie's Max-Age too. */
  dashboardSessionTtlMs: z.coerce
    .number()
    .int()
    .min(1000)
    .max(30 * 86_400_000)
    .default(12 * 3_600_000),
  /**
   * How long a collector trusts a dashboard session it read from ClickHouse before reading it
   * again (ms): a sign-out or an expiry reaches the other collectors within this; 0: read every time.
   */
  dashboardSessionCacheMs: z.coerce.number().int().min(0).max(60_000).default(5000),
  /**
   * A country database (MaxMind DB format, `.mmdb`, with `country_code` or `country.iso_code`
   * records) to use instead of the bundled one, e.g. a newer download; read once at start.
   */
  countryDbPath: z.string().optional(),
  /**
   * How long a stop (SIGTERM) waits for the HTTP requests in flight before it cuts their
   * connections (ms): a client that stops reading would otherwise hold it forever. A cut ingest
   * request was never acknowledged; its client sends the events again.
   */
  shutdownGraceMs: z.coerce.number().int().min(0).max(600_000).default(10_000),
  /** Log level: `fatal`, `error`, `warn`, `info`, `debug`, `trace` or `silent`. */
  logLevel: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  /** Directory served at `/examples/` (the demo pages); unset: not served. */
  examplesDir: z.string().optional(),
  /**
   * Where this collector's accepted events feed the CRM (contacts, lead scores, deals):
   * `local`, its own CRM; `host`, its own CRM, which also takes the events of the fleet's other
   * collectors (`POST /v1/internal/crm-feed`), so the fleet's CRM has one writer; `remote`, sent to
   * the CRM host at `crmHostUrl`, to which this collector's `/v1/crm/` requests are proxied too.
   */
  crmFeed: z.enum(['local', 'host', 'remote']).default('local'),
  /** With `crmFeed: "remote"`: the CRM host's base URL (`http://crm.internal:8080`). */
  crmHostUrl: z.url({ protocol: /^https?$/ }).optional(),
  /** With `crmFeed: "remote"`: the CRM host's admin key, which authenticates the events sent to it. */
  crmHostKey: z.string().min(1).optional(),
  /** MQTT broker to take device frames from (`mqtt://user:pass@host:1883`, `mqtts://…`); unset: no MQTT. */
  mqttUrl: z.url({ protocol: /^(mqtts?|wss?)$/ }).optional(),
  /** Devices publish frames on `<prefix>/<device key>/up`; acks go to `<prefix>/<device key>/ack`. */
  mqttTopicPrefix: z
    .string()
    .regex(/^[A-Za-z0-9_-]+(\/[A-Za-z0-9_-]+)*$/, 'must be topic levels of letters, digits, "-" or "_"')
    .default('rastro'),
})

/** Words in a path that ad and tracker blockers match (EasyList's `/analytics.`, `/track?`, `/collect?`, `/beacon.`). */
const BLOCKED_PATH_WORDS = ['analytics', 'track', 'collect', 'beacon'] as const
/** Paths the collector already serves. */
const RESERVED_PATH = /^\/(?:v1|health|metrics|examples)(?:\/|$)|^\/rastro\.js$|^\/$/

/** A neutral path the collector answers on for a site served through the shop's own domain. */
const firstPartyPathSchema = z
  .string()
  .max(200)
  .regex(
    /^(?:\/(?!\.\.?(?:\/|$))[A-Za-z0-9._~-]+)+$/,
    'must be an absolute path of segments of letters, digits, ".", "_", "~" or "-" (not "." or "..")',
  )
  .refine(
    (path) =>
      !path
        .toLowerCase()
        .split('/')
        .some((segment) => BLOCKED_PATH_WORDS.some((word) => segment.includes(word))),
    `must have no segment containing ${BLOCKED_PATH_WORDS.join(', ')} (blockers match them)`,
  )
  .refine(
    (path) => !RESERVED_PATH.test(path),
    'is a path of the collector itself (/v1/…, /health, /metrics, /rastro.js)',
  )

/** A cookie's `Domain` attribute (RFC 6265 §5.2.3): a host name, a leading dot allowed. */
const cookieDomainSchema = z
  .string()
  .max(253)
  .regex(
    /^\.?[a-z0-9](?:[a-z0-9-]*[a-z0-9])?(?:\.[a-z0-9](?:[a-z0-9-]*[a-z0-9])?)*$/i,
    'must be a host name such as shop.example',
  )

/** One site of a tenant: a write key for its SDKs and the origins allowed to send with it. */
export const siteSchema = z.strictObject({
  id: idSchema,
  /** Public ingest-only key embedded in the site's pages. */
  writeKey: z.string().min(8, 'must be at least 8 characters').max(200),
  /** Origins (`https://shop.example`) whose browsers may send with this key; `*` allows any. */
  allowedOrigins: z.array(z.union([z.literal('*'), z.url({ protocol: /^https?$/ })])).default(['*']),
  /** Requests per second this write key may send (a token bucket); past it: 429 + `Retry-After`. Unset: no limit. */
  rateLimit: z
    .strictObject({
      /** Sustained rate (requests per second). */
      requestsPerSecond: z.number().positive(),
      /** Burst above the rate (requests); default: one second's worth. */
      burstRequests: z.number().int().positive().optional(),
    })
    .optional(),
  /**
   * Neutral aliases, for a site that proxies the collector under its own domain: `script` serves
   * the browser SDK (as `/rastro.js`), `events` takes batches (as `/v1/batch`). No segment may
   * contain analytics, track, collect or beacon.
   */
  paths: z
    .strictObject({
      /** e.g. `/assets/app-4f2c.js`. */
      script: firstPartyPathSchema.optional(),
      /** e.g. `/api/e`; the browser SDK's `path` option. */
      events: firstPartyPathSchema.optional(),
    })
    .optional(),
  /**
   * Set Meta's `_fbp` and `_fbc` as server-set first-party cookies on the answer to the site's
   * events (kept from the browser when present; `_fbc` from the page's `fbclid`), unless the
   * event's consent says `marketing: false`. For a site served first-party (the same site as the
   * pages), where server-set cookies outlive Safari's 7-day cap on script-set ones.
   */
  firstPartyCookies: z.boolean().default(false),
  /** `Domain` of those cookies (`shop.example` covers its subdomains); unset: the host that answered. */
  cookieDomain: cookieDomainSchema.optional(),
})

/** Per-tenant enrichment of ingested events. */
export const enrichmentSchema = z.strictObject({
  /** Browser, OS and device type from the user agent (ua-parser-js, cached). */
  parseUserAgent: z.boolean().default(true),
  /** Flag events whose user agent is a known bot or crawler (`isbot`); the client's `context.bot` is always kept. */
  detectBots: z.boolean().default(true),
  /**
   * The visitor's country (ISO 3166-1 alpha-2) from the client IP, looked up in the country
   * database held in memory (see `countryDbPath`); a sender's `context.location.country` is always kept.
   */
  country: z.boolean().default(true),
})

/** A secret key: server-side access to one tenant's data, with a role. */
export const secretKeySchema = z
  .strictObject({
    name: z.string().max(100).optional(),
    /** The key itself. Prefer `keySha256` in files that are shared. */
    key: secretSchema.optional(),
    /** SHA-256 (hex) of the key, so the file does not hold the key. */
    keySha256: sha256Schema.optional(),
    /** viewer: read stats and analytics; editor: also write (CRM); owner: everything, incl. GDPR. */
    role: z.enum(['viewer', 'editor', 'owner']).default('viewer'),
  })
  .refine((value) => (value.key === undefined) !== (value.keySha256 === undefined), {
    message: 'set exactly one of key and keySha256',
    path: ['key'],
  })

/** A device id as the frames carry it: 6 to 16 bytes, lower-case hex. */
const deviceIdSchema = z
  .string()
  .regex(/^(?:[0-9a-f]{2}){6,16}$/, 'must be 6 to 16 bytes as lower-case hex (e.g. a4cf12345678)')

/**
 * A device key: ingest-only access for devices (`POST /v1/device`, MQTT). It may be one key per
 * device (bound with `deviceId`) or one per fleet. Revoke a key with `revoked`, one device of a
 * fleet with the tenant's `revokedDeviceIds`.
 */
export const deviceKeySchema = z
  .strictObject({
    name: z.string().max(100).optional(),
    /** The key itself; it is also an MQTT topic level, hence no "/", "+" or "#". */
    key: z
      .string()
      .regex(/^[A-Za-z0-9_.~-]{16,200}$/, 'must be 16-200 letters, digits, "_", ".", "~" or "-"')
      .optional(),
    /** SHA-256 (hex) of the key, so the file does not hold the key. */
    keySha256: sha256Schema.optional(),
    /** Only this device (hex id) may send with the key. */
    deviceId: deviceIdSchema.optional(),
    /** A revoked key is refused with 403. */
    revoked: z.boolean().default(false),
  })
  .refine((value) => (value.key === undefined) !== (value.keySha256 === undefined), {
    message: 'set exactly one of key and keySha256',
    path: ['key'],
  })

/** Whether `name` is a time zone this runtime knows (the IANA database, through Intl). */
function isTimeZone(name: string): boolean {
  try {
    new Intl.DateTimeFormat('en', { timeZone: name })
    return true
  } catch {
    return false
  }
}

export const tenantSchema = z.strictObject({
  id: idSchema,
  name: z.string().max(200).optional(),
  /** Days events are kept before ClickHouse deletes them (TTL). */
  retentionDays: z.number().int().min(1).max(3650).default(1095),
  /** IANA time zone the dashboard and analytics count days and hours in (e.g. `Europe/Madrid`). */
  timeZone: z
    .string()
    .refine(isTimeZone, 'must be an IANA time zone such as Europe/Madrid or UTC')
    .default('UTC'),
  /** ISO 4217 code of the tenant's currency: revenue in other currencies is not added (no FX). */
  currency: z
    .string()
    .regex(/^[A-Z]{3}$/, 'must be an ISO 4217 code such as EUR')
    .default('EUR'),
  enrichment: enrichmentSchema.default({ parseUserAgent: true, detectBots: true, country: true }),
  sites: z.array(siteSchema).min(1, 'a tenant needs at least one site'),
  secretKeys: z.array(secretKeySchema).default([]),
  /** Keys of the tenant's devices (kiosks, sensors); see the device SDK. */
  deviceKeys: z.array(deviceKeySchema).default([]),
  /** Devices (hex ids) refused whatever key they send with. */
  revokedDeviceIds: z.array(deviceIdSchema).default([]),
  /** Consent assumed for events that carry none (`context.consent.categoryPreferences`); see destination-schema.ts. */
  defaultConsent: defaultConsentSchema.default({ analytics: false, marketing: false }),
  /** Where this tenant's events are forwarded (Meta CAPI, GA4 MP, webhooks). */
  destinations: z.array(destinationSchema).default([]),
})

export const configSchema = z
  .strictObject({
    $schema: z.string().optional(),
    /** Operator key for `/v1/admin/*` (all tenants). */
    adminKey: secretSchema.optional(),
    adminKeySha256: sha256Schema.optional(),
    tenants: z.array(tenantSchema).min(1, 'declare at least one tenant'),
    server: settingsSchema.partial().optional(),
  })
  .superRefine((config, ctx) => {
    const seen = new Map<string, string>()
    const deviceKeys = new Set<string>()
    /** First-party path → what it serves; a path serves one thing (sites may share it). */
    const paths = new Map<string, 'script' | 'events'>()
    config.tenants.forEach((tenant, t) => {
      tenant.deviceKeys.forEach((deviceKey, k) => {
        const id = deviceKey.keySha256 ?? createHash('sha256').update(deviceKey.key!).digest('hex')
        if (deviceKeys.has(id)) {
          ctx.addIssue({
            code: 'custom',
            message: 'device key already used',
            path: ['tenants', t, 'deviceKeys', k, 'key'],
          })
        }
        deviceKeys.add(id)
      })
      if (config.tenants.findIndex((other) => other.id === tenant.id) !== t) {
        ctx.addIssue({
          code: 'custom',
          message: `duplicate tenant id "${tenant.id}"`,
          path: ['tenants', t, 'id'],
        })
      }
      tenant.destinations.forEach((destination, d) => {
        if (tenant.destinations.findIndex((other) => other.id === destination.id) !== d) {
          ctx.addIssue({
            code: 'custom',
            message: `duplicate destination id "${destination.id}"`,
            path: ['tenants', t, 'destinations', d, 'id'],
          })
        }
      })
      tenant.sites.forEach((site, s) => {
        for (const kind of ['script', 'events'] as const) {
          const path = site.paths?.[kind]
          if (path === undefined) continue
          const other = paths.get(path)
          if (other !== undefined && other !== kind) {
            ctx.addIssue({
              code: 'custom',
              message: `${path} is already a ${other} path`,
              path: ['tenants', t, 'sites', s, 'paths', kind],
            })
          }
          paths.set(path, kind)
        }
        const owner = seen.get(site.writeKey)
        if (owner) {
          ctx.addIssue({
            code: 'custom',
            message: `write key already used by ${owner}`,
            path: ['tenants', t, 'sites', s, 'writeKey'],
          })
        }
        seen.set(site.writeKey, `${tenant.id}/${site.id}`)
      })
    })
  })

export type Settings = z.infer<typeof settingsSchema>
export type TenantConfig = z.infer<typeof tenantSchema>
export type SiteConfig = z.infer<typeof siteSchema>
export type EnrichmentConfig = z.infer<typeof enrichmentSchema>
export type SecretKeyConfig = z.infer<typeof secretKeySchema>
export type DeviceKeyConfig = z.infer<typeof deviceKeySchema>
/** A configuration file as written (defaults not yet applied). */
export type ConfigFile = z.input<typeof configSchema>
export type Role = SecretKeyConfig['role']

/** The JSON Schema of the configuration file, for editors (`"$schema"` in the file). */
export function getConfigJsonSchema(): Record<string, unknown> {
  return {
    $comment: 'Generated by `rastro config-schema` from src/config/config-schema.ts; do not edit.',
    ...z.toJSONSchema(configSchema, { io: 'input', unrepresentable: 'any' }),
  }
}
