/**
 * `POST /v1/internal/crm-feed` on the fleet's CRM host (`crmFeed: "host"`): takes the event rows of
 * another collector's log (`crm-feed-wire.ts`) and writes them to this collector's CRM, through the
 * same worker and single writer as its own events, so the fleet's CRM has one writer. Answers 204
 * once they are written. Authenticated with the admin key, which the fleet's collectors share.
 */
import type { FastifyInstance } from 'fastify'
import type { KeyRing } from '../config/key-ring.js'
import { createError } from '../errors.js'
import { requireAdminKey } from '../query/require-key.js'
import {
  canReadColumns,
  CRM_FEED_COLUMNS_HEADER,
  CRM_FEED_CONTENT_TYPE,
  CRM_FEED_PATH,
} from './crm-feed-wire.js'

export interface CrmFeedRoutesOptions {
  keyRing: KeyRing
  /** Writes the rows of log payloads to the CRM (`CrmFeedWorker.handle`); resolves once written. */
  handle(payloads: Buffer[]): Promise<void>
}

/** Largest batch taken (bytes): a sender's log consumer reads 12 MiB at a time, plus one record. */
const BODY_LIMIT = 32 * 1024 * 1024

export async function crmFeedRoutes(fastify: FastifyInstance, options: CrmFeedRoutesOptions): Promise<void> {
  fastify.addContentTypeParser(
    CRM_FEED_CONTENT_TYPE,
    { parseAs: 'buffer', bodyLimit: BODY_LIMIT },
    (_request, body, done) => done(null, body),
  )
  fastify.post(CRM_FEED_PATH, { bodyLimit: BODY_LIMIT }, async (request, reply) => {
    requireAdminKey(request, options.keyRing)
    const columns = request.headers[CRM_FEED_COLUMNS_HEADER]
    if (typeof columns !== 'string' || !canReadColumns(columns)) {
      throw createError('RASTRO_ERR_CRM_FEED_COLUMNS', {
        message: `${CRM_FEED_COLUMNS_HEADER} must name this version's event columns or an older version's`,
        field: CRM_FEED_COLUMNS_HEADER,
      })
    }
    try {
      await options.handle([request.body as Buffer])
    } catch (error) {
      request.log.warn({ err: error }, 'CRM feed: events sent by another collector not written')
      throw createError('RASTRO_ERR_CRM_FEED_FAILED', { retryAfterSeconds: 1, cause: error })
    }
    return reply.code(204).send()
  })
}
