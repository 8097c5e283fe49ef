import { createError, type RastroError } from '../errors.js'

/**
 * Maps a failed ClickHouse call to the API's answer: an error ClickHouse raised about the query
 * (it has a `type` such as `SYNTAX_ERROR`) is the caller's (400); anything else means ClickHouse
 * could not be reached (503).
 */
export function toQueryError(error: unknown): RastroError {
  const type = (error as { type?: unknown }).type
  if (typeof type === 'string') {
    return createError('RASTRO_ERR_QUERY_FAILED', { message: (error as Error).message, cause: error })
  }
  return createError('RASTRO_ERR_STORE_UNAVAILABLE', { retryAfterSeconds: 5, cause: error })
}
