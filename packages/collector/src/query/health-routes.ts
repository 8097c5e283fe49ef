/**
 * Health endpoints: `/health/live` (the process answers), `/health/ready` (ClickHouse answers
 * too; 503 otherwise, so a load balancer stops sending), `/health` (both, with details).
 */
import type { ClickHouseClient } from '@clickhouse/client'
import type { FastifyInstance } from 'fastify'

export interface HealthRoutesOptions {
  client: ClickHouseClient
  /** `embedded` or `server`. */
  storeKind: string
  version: string
}

export async function healthRoutes(fastify: FastifyInstance, options: HealthRoutesOptions): Promise<void> {
  const started = Date.now()

  async function checkStore() {
    const began = performance.now()
    const ping = await options.client.ping()
    return {
      ok: ping.success,
      kind: options.storeKind,
      latencyMs: Math.round((performance.now() - began) * 10) / 10,
      ...(ping.success ? {} : { error: ping.error.message }),
    }
  }

  fastify.get('/health/live', async () => ({ status: 'ok' }))

  fastify.get('/health/ready', async (_request, reply) => {
    const clickhouse = await checkStore()
    if (!clickhouse.ok) reply.code(503).header('retry-after', '5')
    return { status: clickhouse.ok ? 'ok' : 'unavailable', clickhouse }
  })

  fastify.get('/health', async (_request, reply) => {
    const clickhouse = await checkStore()
    if (!clickhouse.ok) reply.code(503).header('retry-after', '5')
    return {
      status: clickhouse.ok ? 'ok' : 'unavailable',
      version: options.version,
      uptimeSeconds: Math.round((Date.now() - started) / 1000),
      clickhouse,
    }
  })
}
