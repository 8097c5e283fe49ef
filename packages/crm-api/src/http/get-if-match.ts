/**
 * Reads `If-Match` (RFC 9110 §13.1.1) for optimistic concurrency: the record's `version`, quoted
 * as an ETag (`"3"`) or bare (`3`). Answers carry the version as `ETag`.
 */
import type { FastifyRequest } from 'fastify'
import { createCrmError } from '../errors.js'

/** @returns the expected version, or undefined without the header. @throws CrmError 400 for another form. */
export function getIfMatch(request: FastifyRequest): number | undefined {
  const header = request.headers['if-match']
  if (header === undefined) return undefined
  const match = typeof header === 'string' ? /^\s*(?:W\/)?"?(\d{1,15})"?\s*$/.exec(header) : null
  if (!match) {
    throw createCrmError('RASTRO_ERR_CRM_INVALID_INPUT', {
      message: 'If-Match must be the record version, e.g. "3"',
      field: 'If-Match',
    })
  }
  return Number(match[1])
}

/** The `ETag` of a record version. */
export function toEtag(version: number): string {
  return `"${version}"`
}
