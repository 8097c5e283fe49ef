/**
 * The ingest endpoints of the Segment HTTP Tracking API: `POST /v1/batch` (and `/v1/import`, its
 * alias in Segment's and RudderStack's APIs) and the single-event `/v1/track`, `/v1/page`,
 * `/v1/screen`, `/v1/identify`, `/v1/group`, `/v1/alias`. Decodes gzip/deflate bodies,
 * authenticates the write key, checks the Origin and the key's rate limit, refuses early when the
 * sink is full, runs each event through the pipeline on its own, hands accepted rows to the sink,
 * and answers only once the sink has made them durable (the write-ahead log). Sites' neutral
 * events paths behave as `/v1/batch`; a site with `firstPartyCookies` gets `_fbp`/`_fbc` set.
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify'
import {
  MAX_BATCH_BYTES,
  MAX_BATCH_EVENTS,
  MAX_EVENT_BYTES,
  type EventType,
  type IngestResponse,
  type RejectedEvent,
} from '@rastro/schema'
import type { KeyRing, SiteRef } from '../config/key-ring.js'
import { createError, RastroError } from '../errors.js'
import type { Metrics } from '../util/create-metrics.js'
import { decodeBody, getBodyDecoder } from './decode-body.js'
import type { EventRow, EventSink } from './event-row.js'
import { getFirstPartyCookies } from './get-first-party-cookies.js'
import type { CountryDb } from './country-db.js'
import { getWriteKey } from './get-write-key.js'
import { runPipeline, type PipelineResult, type RequestInfo, type Step } from './pipeline.js'
import { RateLimiter } from './rate-limiter.js'
import { createRow, createSteps } from './steps/index.js'
import type { VisitorIds } from './visitor-ids.js'

export interface IngestRoutesOptions {
  keyRing: KeyRing
  sink: EventSink
  /** Derives the ids of cookieless visitors. */
  visitorIds: VisitorIds
  /** Looks up the country of client IPs; undefined: no tenant has `enrichment.country` on. */
  countries?: CountryDb | undefined
  /** Default: {@link createSteps}. */
  steps?: readonly Step[]
  /** Sites' neutral aliases of `/v1/batch` (config `sites[].paths.events`). */
  eventsPaths?: readonly string[]
  metrics?: Metrics
}

/** One request in this many has its steps timed (`rastro_ingest_step_seconds`): timing costs ~1 µs per event. */
const STEP_SAMPLE_EVERY = 16

type JsonObject = Record<string, unknown>

function isObject(value: unknown): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
}

function authenticate(request: FastifyRequest, keyRing: KeyRing, limiter: RateLimiter): SiteRef {
  const writeKey = getWriteKey(request.headers.authorization, request.body)
  if (!writeKey) {
    throw createError('RASTRO_ERR_AUTH_MISSING_KEY', {
      message: 'send the write key as HTTP Basic auth user name or as "writeKey" in the body',
      field: 'writeKey',
    })
  }
  const site = keyRing.findSite(writeKey)
  if (!site)
    throw createError('RASTRO_ERR_AUTH_INVALID_KEY', { message: 'unknown write key', field: 'writeKey' })
  const origin = request.headers.origin
  if (origin && site.allowedOrigins.size > 0 && !site.allowedOrigins.has(origin)) {
    throw createError('RASTRO_ERR_INGEST_ORIGIN_NOT_ALLOWED', {
      message: `origin ${origin} is not allowed for this write key`,
    })
  }
  if (site.rateLimit) {
    const retryAfterSeconds = limiter.take(`${site.tenantId}/${site.siteId}`, site.rateLimit)
    if (retryAfterSeconds > 0) {
      throw createError('RASTRO_ERR_INGEST_RATE_LIMITED', {
        message: `more than ${site.rateLimit.requestsPerSecond} requests per second for this write key`,
        retryAfterSeconds,
      })
    }
  }
  return site
}

function getRequestInfo(request: FastifyRequest, site: SiteRef, sentAt: unknown): RequestInfo {
  const parsedSentAt = typeof sentAt === 'string' ? Date.parse(sentAt) : NaN
  return {
    site,
    receivedAt: Date.now(),
    sentAt: Number.isNaN(parsedSentAt) ? undefined : parsedSentAt,
    ip: request.ip,
    userAgent: request.headers['user-agent'] ?? '',
  }
}

/** Merges a batch's outer `context` and `integrations` into an event; the event's own keys win. */
function mergeOuter(event: unknown, outer: JsonObject): unknown {
  if (!isObject(event)) return event
  const merged = { ...event }
  for (const key of ['context', 'integrations'] as const) {
    if (isObject(outer[key])) merged[key] = { ...outer[key], ...(isObject(event[key]) ? event[key] : {}) }
  }
  return merged
}

export async function ingestRoutes(fastify: FastifyInstance, options: IngestRoutesOptions): Promise<void> {
  const { keyRing, sink, metrics } = options
  const steps = options.steps ?? createSteps({ visitorIds: options.visitorIds, countries: options.countries })
  const limiter = new RateLimiter()
  const stepMs = new Float64Array(steps.length)
  let requestCount = 0

  /** Runs the pipeline, timing its steps on a sample of requests, and counts rejections. */
  function run(inputs: unknown[], info: RequestInfo): PipelineResult {
    const timed = metrics !== undefined && ++requestCount % STEP_SAMPLE_EVERY === 0
    if (timed) stepMs.fill(0)
    const result = runPipeline(inputs, info, steps, createRow, timed ? stepMs : undefined)
    if (timed) steps.forEach((step, i) => metrics.stepSeconds.observe({ step: step.name }, stepMs[i]! / 1000))
    for (const rejection of result.rejected) metrics?.eventsRejected.inc({ code: rejection.code })
    return result
  }

  /** Authenticates, then refuses early when the sink cannot take events now. */
  function admit(request: FastifyRequest): SiteRef {
    const site = authenticate(request, keyRing, limiter)
    sink.check?.()
    return site
  }

  // Callback hooks, not async ones: every ingest request passes them, and an async hook costs it a
  // promise and a turn of the microtask queue each.
  if (metrics) {
    fastify.addHook('onResponse', (_request, reply, done) => {
      if (reply.statusCode < 300) metrics.ackSeconds.observe(reply.elapsedTime / 1000)
      done()
    })
    fastify.addHook('onError', (_request, _reply, error, done) => {
      if (error instanceof RastroError && (error.statusCode === 429 || error.statusCode === 503))
        metrics.requestsRefused.inc({ code: error.code })
      done()
    })
  }

  // Browsers send `text/plain` (a CORS-simple type: no preflight, works from sendBeacon); it is JSON.
  fastify.removeContentTypeParser('text/plain')
  fastify.addContentTypeParser(
    'text/plain',
    { parseAs: 'string' },
    fastify.getDefaultJsonParser('error', 'error'),
  )
  fastify.addHook('preParsing', (request, _reply, payload, done) => {
    const encoding = request.headers['content-encoding']
    if (encoding === undefined) return done(null, payload)
    let decoder: ReturnType<typeof getBodyDecoder>
    try {
      decoder = getBodyDecoder(encoding)
    } catch (error) {
      return done(error as RastroError)
    }
    done(
      null,
      decoder ? decodeBody(payload, decoder, request.routeOptions.bodyLimit ?? MAX_BATCH_BYTES) : payload,
    )
  })

  async function store(rows: Parameters<EventSink['write']>[0]): Promise<void> {
    if (rows.length === 0) return
    try {
      await sink.write(rows)
    } catch (cause) {
      if (cause instanceof RastroError) throw cause
      fastify.log.error({ err: cause }, 'could not store events')
      throw createError('RASTRO_ERR_STORE_UNAVAILABLE', { retryAfterSeconds: 5, cause })
    }
    metrics?.eventsAccepted.inc(rows.length)
  }

  /** Sets the site's first-party cookies on the answer, when it has them switched on. */
  function setCookies(request: FastifyRequest, reply: FastifyReply, site: SiteRef, rows: EventRow[]): void {
    if (!site.firstPartyCookies) return
    const cookies = getFirstPartyCookies({
      cookieHeader: request.headers.cookie,
      rows,
      secure: request.protocol === 'https',
      domain: site.cookieDomain,
      now: Date.now(),
    })
    if (cookies.length > 0) reply.header('set-cookie', cookies)
  }

  async function ingestBatch(request: FastifyRequest, reply: FastifyReply): Promise<IngestResponse> {
    const body = request.body
    if (!isObject(body)) {
      throw createError('RASTRO_ERR_INGEST_INVALID_BODY', {
        message: 'body must be a JSON object',
        field: 'batch',
      })
    }
    const site = admit(request)
    if (!Array.isArray(body.batch) || body.batch.length === 0) {
      throw createError('RASTRO_ERR_INGEST_INVALID_BODY', {
        message: 'batch must be a non-empty array of events',
        field: 'batch',
      })
    }
    const inputs = body.batch.slice(0, MAX_BATCH_EVENTS).map((event) => mergeOuter(event, body))
    const result = run(inputs, getRequestInfo(request, site, body.sentAt))
    const overflow: RejectedEvent[] = body.batch.slice(MAX_BATCH_EVENTS).map((_, i) => ({
      index: MAX_BATCH_EVENTS + i,
      code: 'RASTRO_ERR_EVENT_BATCH_LIMIT',
      message: `a batch holds at most ${MAX_BATCH_EVENTS} events`,
    }))
    await store(result.rows)
    setCookies(request, reply, site, result.rows)
    const rejected = [...result.rejected, ...overflow]
    if (rejected.length > 0) request.log.info({ rejected: rejected.slice(0, 20) }, 'rejected events')
    return { ok: true, accepted: result.rows.length, rejected }
  }
  for (const path of new Set(['/v1/batch', '/v1/import', ...(options.eventsPaths ?? [])])) {
    fastify.post(path, { bodyLimit: MAX_BATCH_BYTES }, ingestBatch)
  }

  const singleTypes: EventType[] = ['track', 'page', 'screen', 'identify', 'group', 'alias']
  for (const type of singleTypes) {
    fastify.post(
      `/v1/${type}`,
      { bodyLimit: MAX_EVENT_BYTES },
      async (request, reply): Promise<IngestResponse> => {
        const body = request.body
        if (!isObject(body))
          throw createError('RASTRO_ERR_INGEST_INVALID_BODY', { message: 'body must be a JSON object' })
        const site = admit(request)
        const { writeKey: _writeKey, ...event } = body
        const result = run([{ ...event, type }], getRequestInfo(request, site, undefined))
        const rejection = result.rejected[0]
        if (rejection) {
          throw createError(rejection.code, {
            message: rejection.message,
            field: rejection.field,
          })
        }
        await store(result.rows)
        setCookies(request, reply, site, result.rows)
        return { ok: true, accepted: 1, rejected: [] }
      },
    )
  }
}
