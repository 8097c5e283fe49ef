/**
 * `GET /metrics`: the collector's Prometheus metrics (text exposition format). Unauthenticated,
 * like most exporters: bind the port privately or filter `/metrics` at the proxy when the
 * collector faces the internet.
 */
import type { FastifyInstance } from 'fastify'
import type { Registry } from 'prom-client'

export interface MetricsRoutesOptions {
  registry: Registry
}

export async function metricsRoutes(fastify: FastifyInstance, options: MetricsRoutesOptions): Promise<void> {
  fastify.get('/metrics', async (_request, reply) => {
    reply.type(options.registry.contentType)
    return options.registry.metrics()
  })
}
