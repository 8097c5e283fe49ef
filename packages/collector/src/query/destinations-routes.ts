/**
 * `GET /v1/destinations`: a tenant's forwarding destinations with their settings (secrets
 * redacted), how far each is behind the log, delivered / failed / retrying / dropped counts, the
 * last error, and a replay in progress (secret key, any role).
 * `POST /v1/destinations/:id/replay`: re-sends a time range of events from ClickHouse to one
 * destination with their original event ids, e.g. after fixing a token (secret key, editor or
 * owner); events the ledger holds as delivered are skipped unless `includeDelivered` is true.
 */
import type { FastifyInstance } from 'fastify'
import { z } from 'zod'
import { isoDateTimeSchema } from '@rastro/schema'
import type { TenantConfig } from '../config/config-schema.js'
import { redactDestination } from '../config/destination-schema.js'
import type { KeyRing } from '../config/key-ring.js'
import { createError } from '../errors.js'
import type { Forwarding } from '../forward/create-forwarding.js'
import { requireSecretKey } from './require-key.js'
import { toQueryError } from './to-query-error.js'

export interface DestinationsRoutesOptions {
  tenants: readonly TenantConfig[]
  keyRing: KeyRing
  forwarding: Forwarding
}

const replayBodySchema = z.strictObject({
  /** Start of the range, inclusive (ISO 8601). */
  from: isoDateTimeSchema,
  /** End of the range, exclusive (ISO 8601); default: now. */
  to: isoDateTimeSchema.optional(),
  /** Also re-send events the ledger holds as delivered (the platforms deduplicate by event id). */
  includeDelivered: z.boolean().default(false),
})

export async function destinationsRoutes(
  fastify: FastifyInstance,
  options: DestinationsRoutesOptions,
): Promise<void> {
  const { keyRing, forwarding } = options
  const tenants = new Map(options.tenants.map((tenant) => [tenant.id, tenant]))

  fastify.get('/v1/destinations', async (request) => {
    const { tenantId } = requireSecretKey(request, keyRing)
    const tenant = tenants.get(tenantId)
    let summaries
    try {
      summaries = await forwarding.store.getSummaries(tenantId)
    } catch (error) {
      throw toQueryError(error)
    }
    return {
      tenant: tenantId,
      defaultConsent: tenant?.defaultConsent,
      destinations: (tenant?.destinations ?? []).map((config) => {
        const runner = forwarding.getRunner(tenantId, config.id)
        const summary = summaries.get(config.id)
        const status = runner?.status
        return {
          id: config.id,
          type: config.type,
          enabled: config.enabled,
          dryRun: config.dryRun,
          config: redactDestination(config),
          consumer: runner?.name,
          lag: status
            ? { bytes: status.lag.bytes, seconds: Math.round(status.lag.seconds * 1000) / 1000 }
            : undefined,
          failing: status ? status.failures > 0 : false,
          nextAttemptAt: status?.pausedUntil,
          delivered: summary?.delivered ?? 0,
          failed: summary?.failed ?? 0,
          retrying: summary?.retrying ?? 0,
          dropped: summary?.dropped ?? { consent: 0, bot: 0, tooOld: 0 },
          dryRunEvents: summary?.dryRun ?? 0,
          lastError: status?.lastError ?? summary?.lastError,
          replay: status?.replay,
        }
      }),
    }
  })

  fastify.post<{ Params: { id: string } }>('/v1/destinations/:id/replay', async (request, reply) => {
    const { tenantId } = requireSecretKey(request, keyRing, 'editor')
    const runner = forwarding.getRunner(tenantId, request.params.id)
    if (!runner) {
      throw createError('RASTRO_ERR_DESTINATION_NOT_FOUND', {
        message: `tenant ${tenantId} has no enabled destination "${request.params.id}"`,
        field: 'id',
      })
    }
    const parsed = replayBodySchema.safeParse(request.body ?? {})
    if (!parsed.success) {
      const issue = parsed.error.issues[0]
      throw createError('RASTRO_ERR_QUERY_INVALID', {
        message: `${issue?.path.join('.') || 'body'}: ${issue?.message}`,
        field: issue?.path.join('.') || undefined,
      })
    }
    const fromMs = Date.parse(parsed.data.from)
    const toMs = parsed.data.to ? Date.parse(parsed.data.to) : Date.now()
    if (fromMs >= toMs)
      throw createError('RASTRO_ERR_QUERY_INVALID', { message: 'from must be before to', field: 'from' })
    const replay = runner.startReplay({ fromMs, toMs, includeDelivered: parsed.data.includeDelivered })
    reply.code(202)
    return { destination: request.params.id, replay }
  })
}
