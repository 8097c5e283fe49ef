/**
 * The ingest endpoints of the Segment HTTP Tracking API: `POST /v1/batch` (and `/v1/import`, its
 * alias in Segment's and RudderStack's APIs) and the single-event `/v1/track`, `/v1/page`,
 * `/v1/screen`, `/v1/identify`, `/v1/group`, `/v1/alias`. Decodes gzip/deflate bodies,
 * authenticates the write key, checks the Origin, runs each event through the pipeline on its own,
 * hands accepted rows to the sink, and answers only once the sink has stored them.
 */
import type { FastifyInstance, FastifyRequest } from 'fastify'
import {
  MAX_BATCH_BYTES,
  MAX_BATCH_EVENTS,
  MAX_EVENT_BYTES,
  type EventType,
  type IngestResponse,
  type RejectedEvent,
} from '@rastro/schema'
import type { KeyRing, SiteRef } from '../config/key-ring.js'
import { createError } from '../errors.js'
import { decodeBody, getBodyDecoder } from './decode-body.js'
import type { EventSink } from './event-row.js'
import { getWriteKey } from './get-write-key.js'
import { runPipeline, type RequestInfo, type Step } from './pipeline.js'
import { createRow, defaultSteps } from './steps/index.js'

export interface IngestRoutesOptions {
  keyRing: KeyRing
  sink: EventSink
  steps?: readonly Step[]
}

type JsonObject = Record<string, unknown>

function isObject(value: unknown): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
}

function authenticate(request: FastifyRequest, keyRing: KeyRing): SiteRef {
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
  const { keyRing, sink } = options
  const steps = options.steps ?? defaultSteps

  // Browsers send `text/plain` (a CORS-simple type: no preflight, works from sendBeacon); it is JSON.
  fastify.removeContentTypeParser('text/plain')
  fastify.addContentTypeParser(
    'text/plain',
    { parseAs: 'string' },
    fastify.getDefaultJsonParser('error', 'error'),
  )
  fastify.addHook('preParsing', async (request, _reply, payload) => {
    const decoder = getBodyDecoder(request.headers['content-encoding'])
    return decoder ? decodeBody(payload, decoder, request.routeOptions.bodyLimit ?? MAX_BATCH_BYTES) : payload
  })

  async function store(rows: Parameters<EventSink['write']>[0]): Promise<void> {
    if (rows.length === 0) return
    try {
      await sink.write(rows)
    } catch (cause) {
      fastify.log.error({ err: cause }, 'could not store events')
      throw createError('RASTRO_ERR_STORE_UNAVAILABLE', { retryAfterSeconds: 5, cause })
    }
  }

  async function ingestBatch(request: FastifyRequest): Promise<IngestResponse> {
    const body = request.body
    if (!isObject(body)) {
      throw createError('RASTRO_ERR_INGEST_INVALID_BODY', {
        message: 'body must be a JSON object',
        field: 'batch',
      })
    }
    const site = authenticate(request, keyRing)
    if (!Array.isArray(body.batch) || body.batch.length === 0) {
      throw createError('RASTRO_ERR_INGEST_INVALID_BODY', {
        message: 'batch must be a non-empty array of events',
        field: 'batch',
      })
    }
    const inputs = body.batch.slice(0, MAX_BATCH_EVENTS).map((event) => mergeOuter(event, body))
    const result = runPipeline(inputs, getRequestInfo(request, site, body.sentAt), steps, createRow)
    const overflow: RejectedEvent[] = body.batch.slice(MAX_BATCH_EVENTS).map((_, i) => ({
      index: MAX_BATCH_EVENTS + i,
      code: 'RASTRO_ERR_EVENT_BATCH_LIMIT',
      message: `a batch holds at most ${MAX_BATCH_EVENTS} events`,
    }))
    await store(result.rows)
    const rejected = [...result.rejected, ...overflow]
    if (rejected.length > 0) request.log.info({ rejected: rejected.slice(0, 20) }, 'rejected events')
    return { ok: true, accepted: result.rows.length, rejected }
  }
  for (const path of ['/v1/batch', '/v1/import']) {
    fastify.post(path, { bodyLimit: MAX_BATCH_BYTES }, ingestBatch)
  }

  const singleTypes: EventType[] = ['track', 'page', 'screen', 'identify', 'group', 'alias']
  for (const type of singleTypes) {
    fastify.post(`/v1/${type}`, { bodyLimit: MAX_EVENT_BYTES }, async (request): Promise<IngestResponse> => {
      const body = request.body
      if (!isObject(body))
        throw createError('RASTRO_ERR_INGEST_INVALID_BODY', { message: 'body must be a JSON object' })
      const site = authenticate(request, keyRing)
      const { writeKey: _writeKey, ...event } = body
      const result = runPipeline(
        [{ ...event, type }],
        getRequestInfo(request, site, undefined),
        steps,
        createRow,
      )
      const rejection = result.rejected[0]
      if (rejection) {
        throw createError(rejection.code, {
          message: rejection.message,
          field: rejection.field,
        })
      }
      await store(result.rows)
      return { ok: true, accepted: 1, rejected: [] }
    })
  }
}
