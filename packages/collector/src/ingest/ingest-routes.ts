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
import { parseJsonBody } from './parse-json-body.js'
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

/** What a request's answer needs once its rows are handed to the sink. */
interface Accepted {
  /** Resolves once the rows are durable. */
  written: Promise<void>
  accepted: number
  rejected: RejectedEvent[]
  /** `Set-Cookie` values, sent only with a success; undefined when the site sets none. */
  cookies: string[] | undefined
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
  fastify.removeContentTypeParser(['application/json', 'text/plain'])
  fastify.addContentTypeParser(['application/json', 'text/plain'], { parseAs: 'string' }, parseJsonBody)
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

  /**
   * Hands accepted rows to the sink and returns the promise that they are durable. Not an async
   * function: the sink encodes the rows before this returns, and a suspended frame would keep
   * them (and every object a request made) alive until the append is durable, long enough to
   * outlive two scavenges and be copied into the old space.
   */
  function store(rows: EventRow[]): Promise<void> {
    if (rows.length === 0) return Promise.resolve()
    const count = rows.length
    return sink.write(rows).then(
      () => {
        metrics?.eventsAccepted.inc(count)
      },
      (cause: unknown) => {
        if (cause instanceof RastroError) throw cause
        fastify.log.error({ err: cause }, 'could not store events')
        throw createError('RASTRO_ERR_STORE_UNAVAILABLE', { retryAfterSeconds: 5, cause })
      },
    )
  }

  /** The site's first-party cookies for the answer, when it has them switched on. */
  function getCookies(request: FastifyRequest, site: SiteRef, rows: EventRow[]): string[] | undefined {
    if (!site.firstPartyCookies) return undefined
    return getFirstPartyCookies({
      cookieHeader: request.headers.cookie,
      rows,
      defaultMarketing: site.defaultMarketingConsent ?? false,
      secure: request.protocol === 'https',
      domain: site.cookieDomain,
      now: Date.now(),
    })
  }

  /**
   * Runs a request's events through the pipeline and hands the accepted rows to the sink, all
   * before the first `await`; what the answer needs is all that outlives it. The parsed body is
   * dropped from the request once its events are rows: the request lives until the ack.
   */
  function accept(
    request: FastifyRequest,
    site: SiteRef,
    inputs: unknown[],
    sentAt: unknown,
  ): Accepted & { rejected: PipelineResult['rejected'] } {
    const result = run(inputs, getRequestInfo(request, site, sentAt))
    request.body = undefined
    return {
      written: store(result.rows),
      accepted: result.rows.length,
      rejected: result.rejected,
      cookies: getCookies(request, site, result.rows),
    }
  }

  /** Validates a batch request and hands its accepted rows to the sink (no `await`). */
  function acceptBatch(request: FastifyRequest): Accepted {
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
    const overflow: RejectedEvent[] = body.batch.slice(MAX_BATCH_EVENTS).map((_, i) => ({
      index: MAX_BATCH_EVENTS + i,
      code: 'RASTRO_ERR_EVENT_BATCH_LIMIT',
      message: `a batch holds at most ${MAX_BATCH_EVENTS} events`,
    }))
    const inputs = body.batch.slice(0, MAX_BATCH_EVENTS).map((event) => mergeOuter(event, body))
    const accepted: Accepted = accept(request, site, inputs, body.sentAt)
    if (overflow.length > 0) accepted.rejected = [...accepted.rejected, ...overflow]
    return accepted
  }

  /**
   * Validates a single-event request and hands its row to the sink (no `await`).
   *
   * @throws RastroError the event's rejection, as the request's 400 answer.
   */
  function acceptSingle(request: FastifyRequest, type: EventType): Accepted {
    const body = request.body
    if (!isObject(body))
      throw createError('RASTRO_ERR_INGEST_INVALID_BODY', { message: 'body must be a JSON object' })
    const site = admit(request)
    const { writeKey: _writeKey, ...event } = body
    const accepted = accept(request, site, [{ ...event, type }], undefined)
    const rejection = accepted.rejected[0]
    if (rejection) {
      throw createError(rejection.code, {
        message: rejection.message,
        field: rejection.field,
      })
    }
    return accepted
  }

  /**
   * Answers once the request's rows are durable. It holds only what {@link accept} returned: the
   * request's events and rows are no longer reachable while it waits.
   */
  async function answer(
    accepted: Accepted,
    request: FastifyRequest,
    reply: FastifyReply,
  ): Promise<IngestResponse> {
    await accepted.written
    if (accepted.cookies?.length) reply.header('set-cookie', accepted.cookies)
    const rejected = accepted.rejected
    if (rejected.length > 0) request.log.info({ rejected: rejected.slice(0, 20) }, 'rejected events')
    return { ok: true, accepted: accepted.accepted, rejected }
  }

  for (const path of new Set(['/v1/batch', '/v1/import', ...(options.eventsPaths ?? [])])) {
    fastify.post(path, { bodyLimit: MAX_BATCH_BYTES }, (request, reply) =>
      answer(acceptBatch(request), request, reply),
    )
  }

  const singleTypes: EventType[] = ['track', 'page', 'screen', 'identify', 'group', 'alias']
  for (const type of singleTypes) {
    fastify.post(`/v1/${type}`, { bodyLimit: MAX_EVENT_BYTES }, (request, reply) =>
      answer(acceptSingle(request, type), request, reply),
    )
  }
}
