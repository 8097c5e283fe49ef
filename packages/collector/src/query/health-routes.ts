/**
 * Health endpoints: `/health/live` (the process answers), `/health/ready` (ingest can take
 * events: its log is neither full nor out of disk; 503 otherwise, so a load balancer sends
 * elsewhere), `/health` (details). Both report ClickHouse and how far the log's consumers lag:
 * while ClickHouse is down the collector stays ready, because the log keeps what it acknowledges.
 */
import type { ClickHouseClient } from '@clickhouse/client'
import type { FastifyInstance } from 'fastify'

/** What ingest reports about its log and its consumers. */
export interface IngestStatus {
  /** Whether an append would be taken now. */
  accepting: boolean
  /** The code a refused request gets, when not accepting. */
  refusal?: string | undefined
  /** Bytes of log segments on disk. */
  logBytes: number
  consumers: { name: string; lagBytes: number; lagSeconds: number }[]
  /** The ClickHouse writer: whether its last insert succeeded. */
  writer: { ok: boolean; error?: string | undefined; failingSinceMs?: number | undefined }
}

export interface HealthRoutesOptions {
  client: ClickHouseClient
  /** `embedded` or `server`. */
  storeKind: string
  version: string
  getIngestStatus: () => IngestStatus
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
    const [clickhouse, ingest] = [await checkStore(), options.getIngestStatus()]
    if (!ingest.accepting) reply.code(503).header('retry-after', '5')
    return { status: ingest.accepting ? 'ok' : 'unavailable', ingest, clickhouse }
  })

  fastify.get('/health', async (_request, reply) => {
    const [clickhouse, ingest] = [await checkStore(), options.getIngestStatus()]
    const ok = clickhouse.ok && ingest.accepting && ingest.writer.ok
    if (!ok) reply.code(503).header('retry-after', '5')
    return {
      status: ok ? 'ok' : 'unavailable',
      version: options.version,
      uptimeSeconds: Math.round((Date.now() - started) / 1000),
      ingest,
      clickhouse,
    }
  })
}
