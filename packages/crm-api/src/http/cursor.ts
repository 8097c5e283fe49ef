/**
 * Opaque cursors for `limit` + `cursor` pagination (crm-anchors.md B4.4, like HubSpot's
 * `paging.next.after`): the sort key of the last row returned, as base64url JSON. Clients pass it
 * back untouched; its content is not part of the API.
 */
import { z } from 'zod'
import { createCrmError } from '../errors.js'

/** Default and largest page size. */
export const DEFAULT_LIMIT = 50
export const MAX_LIMIT = 200

/** `?limit=&cursor=` of list endpoints. */
export const pageQuerySchema = z.object({
  /** Rows per page, 1-200 (default 50). */
  limit: z.coerce.number().int().min(1).max(MAX_LIMIT).default(DEFAULT_LIMIT),
  /** `paging.next.cursor` of the previous page. */
  cursor: z.string().max(1000).optional(),
})

/** The `paging` member of a page: present when there is a next page. */
export const pagingSchema = z.object({ next: z.object({ cursor: z.string() }) }).optional()

export function encodeCursor(values: readonly (string | number)[]): string {
  return Buffer.from(JSON.stringify(values)).toString('base64url')
}

/**
 * @returns the sort key in the cursor, checked to be `length` strings or numbers.
 * @throws CrmError `RASTRO_ERR_CRM_INVALID_INPUT` (field `cursor`) for anything else.
 */
export function decodeCursor(cursor: string, length: number): (string | number)[] {
  try {
    const values: unknown = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'))
    if (
      Array.isArray(values) &&
      values.length === length &&
      values.every((value) => typeof value === 'string' || typeof value === 'number')
    ) {
      return values as (string | number)[]
    }
  } catch {
    // Falls through to the error below.
  }
  throw createCrmError('RASTRO_ERR_CRM_INVALID_INPUT', {
    message: 'cursor is not one this API returned',
    field: 'cursor',
  })
}

/**
 * A page from `limit + 1` rows: the first `limit`, and a cursor made from the last of them when
 * there was one more.
 */
export function toPage<Row, Out>(
  rows: Row[],
  limit: number,
  getKey: (row: Row) => (string | number)[],
  toOutput: (row: Row) => Out,
): { results: Out[]; paging?: { next: { cursor: string } } } {
  const page = rows.slice(0, limit)
  const last = page[page.length - 1]
  return {
    results: page.map(toOutput),
    ...(rows.length > limit && last ? { paging: { next: { cursor: encodeCursor(getKey(last)) } } } : {}),
  }
}
