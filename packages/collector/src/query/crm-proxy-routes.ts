/**
 * `/v1/crm/*` on a collector with `crmFeed: "remote"`: every CRM request is passed on to the
 * fleet's CRM host as it came (method, path, query, headers, body as a stream) and its answer back
 * (`@fastify/reply-from`), so API writes go through the host's single writer, with its events.
 * Keys and dashboard sessions are checked by the host: sessions live in the shared ClickHouse.
 */
import replyFrom from '@fastify/reply-from'
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify'
import { createError } from '../errors.js'

export interface CrmProxyRoutesOptions {
  /** The CRM host's base URL (`http://crm.internal:8080`). */
  hostUrl: string
}

export async function crmProxyRoutes(
  fastify: FastifyInstance,
  options: CrmProxyRoutesOptions,
): Promise<void> {
  await fastify.register(replyFrom, { base: options.hostUrl })
  // Bodies are passed on unread: the host parses and checks them (JSON, CSV imports…).
  fastify.removeAllContentTypeParsers()
  fastify.addContentTypeParser('*', (_request, payload, done) => done(null, payload))
  const proxy = (request: FastifyRequest, reply: FastifyReply) =>
    reply.from(request.url, {
      onError: (proxyReply, { error }) =>
        proxyReply.send(
          createError('RASTRO_ERR_CRM_HOST_UNAVAILABLE', {
            message: `the CRM host ${new URL(options.hostUrl).origin} cannot be reached (${error.message})`,
            retryAfterSeconds: 1,
            cause: error,
          }),
        ),
    })
  fastify.all('/v1/crm', proxy)
  fastify.all('/v1/crm/*', proxy)
}
