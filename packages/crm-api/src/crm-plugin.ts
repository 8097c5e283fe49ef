/**
 * `@rastro/crm`: the CRM as one Fastify plugin, wrapped once with fastify-plugin so the collector
 * (or the standalone server) sees its `crm` decorator, while its routes, hooks and error handler
 * live in their own encapsulated context: `/v1/crm/*` (authenticated, rate-limited, idempotent
 * writes, RFC 9457 errors), `/docs` (OpenAPI) and `/v1/crm/errors/:code` (problem types). It is
 * handed a ClickHouse client and a key resolver (dependency injection: no collector imports).
 */
import { createRequire } from 'node:module'
import type { ClickHouseClient, ClickHouseSettings } from '@clickhouse/client'
import rateLimit from '@fastify/rate-limit'
import swagger from '@fastify/swagger'
import swaggerUi from '@fastify/swagger-ui'
import { errorCodes, type ErrorCode } from '@rastro/schema'
import type { FastifyInstance } from 'fastify'
import fp from 'fastify-plugin'
import type { CountryCode } from 'libphonenumber-js'
import { authenticate } from './auth/authenticate.js'
import type { KeyResolver, SessionResolver } from './auth/crm-auth.js'
import { createKeyStore } from './auth/create-key-store.js'
import type { CrmServices } from './crm-services.js'
import { createTenantWriter, type TenantWriter } from './db/create-tenant-writer.js'
import { TenantDb } from './db/tenant-db.js'
import { createCrmError, toProblem } from './errors.js'
import { createFeed, type OnEvents } from './feed/create-feed.js'
import { createIdempotency } from './http/create-idempotency.js'
import { createOpenApi } from './http/create-open-api.js'
import { createRouter, type RouteDoc } from './http/create-router.js'
import { handleCrmError, handleCrmNotFound } from './http/handle-crm-error.js'
import { getRequestScope, kRequestScope } from './http/request-scope.js'
import { addRoutes } from './add-routes.js'
import { createScoreService } from './scoring/create-score-service.js'
import { CONTACT_COLUMNS, type ContactRow } from './contacts/contact-row.js'
import { createWebhookSender } from './webhooks/create-webhook-sender.js'
import { sendHotLeadWebhook } from './webhooks/hot-lead-webhook.js'
import type { EraseHook } from './gdpr/gdpr-routes.js'

const require = createRequire(import.meta.url)
/** This package's version. */
export const version: string = require('../package.json').version

/** Options of the CRM plugin. Only `client` is required. */
export interface CrmOptions {
  /** ClickHouse client of the event store (the collector passes its own). */
  client: ClickHouseClient
  /**
   * Added to every insert. On a cluster pass `{ insert_distributed_sync: 1 }` (the collector does):
   * identity resolution reads what the previous write wrote, and a Distributed table answers an
   * insert before its rows reach their shard unless told to wait.
   */
  insertSettings?: ClickHouseSettings
  /**
   * Cluster name (the collector's `CLICKHOUSE_CLUSTER`): GDPR mutations run on the `<table>_local`
   * tables `ON CLUSTER`, since the Distributed tables the CRM reads and writes take no mutation.
   */
  cluster?: string
  /** Resolves the collector's secret keys (config file) to tenant and role; CRM-made keys work without it. */
  resolveKey?: KeyResolver
  /** Authenticates requests without an `Authorization` header (the collector's dashboard session cookie). */
  resolveSession?: SessionResolver
  /** Days the audit log and event links of a tenant are kept; default 1095 (3 years). */
  getRetentionDays?: (tenantId: string) => number
  /** ISO 3166-1 country of phone numbers written without `+` (e.g. `ES`); unset: they are refused. */
  defaultPhoneCountry?: CountryCode
  /** Requests per key per window (default 100, HubSpot's burst limit). */
  rateLimitMax?: number
  /** The rate limit's window (ms; default 10,000). */
  rateLimitWindowMs?: number
  /** Serve the OpenAPI document and its UI at `/docs` (default true). */
  docs?: boolean
  /** `fetch` used for webhooks (default the global one). */
  fetch?: typeof fetch
  /** Waits before the quick webhook retries, in memory (ms; default 1 s, 10 s, 60 s). */
  webhookRetryDelaysMs?: number[]
  /**
   * Waits before the later webhook retries, kept in `crm_webhook_retries` (ms; default 5 min, 30 min,
   * 2 h, 6 h, 15 h), and how often due ones are looked for (ms; default 30 s).
   */
  webhookLaterRetries?: { delaysMs?: number[]; pollMs?: number }
  /** Clock for scores (epoch ms; default `Date.now`). */
  now?: () => number
  /** On GDPR delete, before the CRM erases its own rows: erases what the host keeps about the person (the forwarding log). */
  onErase?: EraseHook
  /**
   * For a host that runs the event feed elsewhere (`@rastro/crm-api/feed`, e.g. in a worker
   * thread, as the collector does): resolves once that feed's batches in hand and the webhook
   * deliveries they started are done. `fastify.crm.whenIdle()` waits for it too.
   */
  whenFeedIdle?: () => Promise<void>
}

/** What the CRM exposes to its host (`fastify.crm`). */
export interface CrmApi {
  /**
   * Consumes accepted event rows: identities, contacts, event links and incremental lead scores.
   * Resolves when they are written. Attach it to the event log as a consumer.
   */
  onEvents: OnEvents
  /** Rebuilds lead scores of a tenant (or some contacts) from stored events. @returns contacts scored. */
  recomputeScores(tenantId: string, contactIds?: string[]): Promise<number>
  /**
   * Resolves when queued writes and webhook deliveries are done, the host's feed's among them
   * (`whenFeedIdle`).
   */
  whenIdle(): Promise<void>
  /**
   * The tenants' single writer: every CRM write of a tenant runs in it, one after another. A host
   * running the event feed elsewhere (`@rastro/crm-api/feed`) runs each batch in it.
   */
  writer: TenantWriter
}

declare module 'fastify' {
  interface FastifyInstance {
    /** The CRM mounted on this server (`@rastro/crm-api`). */
    crm: CrmApi
  }
}

async function loadContacts(db: TenantDb, ids: string[]): Promise<ContactRow[]> {
  if (ids.length === 0) return []
  return db.rows<ContactRow>(
    `SELECT ${CONTACT_COLUMNS} FROM crm_contacts FINAL WHERE tenant_id = {tenant:String} AND id IN {ids:Array(String)}`,
    { ids },
  )
}

async function crmPlugin(fastify: FastifyInstance, options: CrmOptions): Promise<void> {
  if (!options?.client) throw new TypeError('@rastro/crm: options.client (a ClickHouse client) is required')
  const { client, insertSettings, cluster } = options
  if (cluster !== undefined && !/^[A-Za-z_][A-Za-z0-9_-]*$/.test(cluster)) {
    throw new TypeError(`@rastro/crm: options.cluster is not a ClickHouse cluster name: ${cluster}`)
  }
  // Every CRM write's audit rows go out as webhooks to the tenant's subscriptions.
  const openDb = (tenantId: string) =>
    new TenantDb(client, tenantId, {
      insertSettings,
      cluster,
      onChanges: (db, rows) => webhooks.emitChanges(db, rows),
    })
  const now = options.now ?? Date.now
  const getRetentionDays = options.getRetentionDays ?? (() => 1095)
  const writer = createTenantWriter()
  const webhooks = createWebhookSender({
    fetch: options.fetch ?? fetch,
    log: fastify.log,
    ...(options.webhookRetryDelaysMs ? { retryDelaysMs: options.webhookRetryDelaysMs } : {}),
    ...(options.webhookLaterRetries?.delaysMs
      ? { laterRetryDelaysMs: options.webhookLaterRetries.delaysMs }
      : {}),
  })
  // Deliveries that failed their quick retries wait in ClickHouse (any process of the fleet's CRM
  // sends them, after a restart too): looked for on a timer, one pass at a time.
  let sendingDue = false
  const retryTimer = setInterval(() => {
    if (sendingDue) return
    sendingDue = true
    webhooks
      .sendDue(client, openDb)
      .catch((error: unknown) =>
        fastify.log.warn({ err: error }, 'webhook retries: cannot read the due ones'),
      )
      .finally(() => (sendingDue = false))
  }, options.webhookLaterRetries?.pollMs ?? 30_000)
  retryTimer.unref()
  const scores = createScoreService({ now, onHotLead: sendHotLeadWebhook(webhooks) })
  const services: CrmServices = {
    client,
    writer,
    keys: createKeyStore(client),
    scores,
    webhooks,
    onEvents: createFeed({
      openDb,
      writer,
      scores,
      getRetentionDays,
      defaultCountry: options.defaultPhoneCountry,
    }),
    defaultCountry: options.defaultPhoneCountry,
    getRetentionDays,
    now,
    getWriteContext: (request, auth) => ({
      actor: auth.actor,
      requestId: String(request.id),
      retentionDays: getRetentionDays(auth.tenantId),
      now: Date.now(),
    }),
  }
  fastify.decorate('crm', {
    onEvents: services.onEvents,
    recomputeScores: (tenantId: string, contactIds?: string[]) => {
      const db = openDb(tenantId)
      return writer.run(tenantId, () => scores.recompute(db, contactIds, (ids) => loadContacts(db, ids)))
    },
    whenIdle: async () => {
      await writer.whenIdle()
      await webhooks.whenIdle()
      await options.whenFeedIdle?.()
    },
    writer,
  } satisfies CrmApi)

  const routes: RouteDoc[] = []
  await fastify.register(async (crm) => {
    crm.setErrorHandler(handleCrmError)

    await crm.register(
      async (api) => {
        const idempotency = createIdempotency()
        api.decorateRequest(kRequestScope, null)
        api.setNotFoundHandler(handleCrmNotFound)
        api.addContentTypeParser(
          'text/csv',
          { parseAs: 'string', bodyLimit: 5 * 1024 * 1024 },
          (_request, body, done) => done(null, body),
        )
        api.addHook('onRequest', async (request) => {
          const auth = await authenticate(request, options.resolveKey, services.keys, options.resolveSession)
          request[kRequestScope] = { auth, db: openDb(auth.tenantId) }
        })
        await api.register(rateLimit, {
          global: true,
          hook: 'preHandler',
          max: options.rateLimitMax ?? 100,
          timeWindow: options.rateLimitWindowMs ?? 10_000,
          // draft-ietf-httpapi-ratelimit-headers: RateLimit-Limit / -Remaining / -Reset.
          enableDraftSpec: true,
          keyGenerator: (request) => getRequestScope(request).auth.keyId,
          errorResponseBuilder: (_request, context) =>
            createCrmError('RASTRO_ERR_CRM_RATE_LIMITED', {
              message: `more than ${context.max} requests in ${context.after}; retry in ${Math.ceil(context.ttl / 1000)} s`,
              retryAfterSeconds: Math.ceil(context.ttl / 1000),
            }),
        })
        api.addHook('preHandler', async (request, reply) => {
          const { auth, db } = getRequestScope(request)
          if (await idempotency.onRequest(request, reply, db, auth.keyId)) return reply
        })
        api.addHook('onSend', async (request, reply, payload) => {
          await idempotency.onSend(request, reply, payload)
          return payload
        })
        api.addHook('onResponse', async (request) => idempotency.onResponse(request))
        const router = createRouter(api, '/v1/crm', getRequestScope)
        addRoutes(router, services, options.onErase)
        routes.push(...router.routes)
      },
      { prefix: '/v1/crm' },
    )

    crm.get('/v1/crm/errors/:code', async (request) => {
      const code = (request.params as { code: string }).code
      if (!(code in errorCodes)) {
        throw createCrmError('RASTRO_ERR_CRM_NOT_FOUND', { message: `no error code ${code}` })
      }
      const error = createCrmError(code as ErrorCode)
      const { detail: _detail, instance: _instance, ...problemType } = toProblem(error, '')
      return problemType
    })

    if (options.docs !== false) {
      await crm.register(swagger, {
        mode: 'static',
        specification: { document: createOpenApi(routes, version) as never },
      })
      await crm.register(swaggerUi, { routePrefix: '/docs' })
    }
  })

  fastify.addHook('onClose', async () => {
    clearInterval(retryTimer)
    await writer.whenIdle()
    await webhooks.close()
  })
}

/** The CRM plugin: `app.register(crm, { client, resolveKey })`. */
export const crm = fp(crmPlugin, { fastify: '5.x', name: '@rastro/crm' })
