/**
 * The event rows the CRM consumes: the columns of the collector's `events` table it reads, so the
 * collector's rows (decoded from its log, or read back from ClickHouse) can be passed as they are.
 */
export interface CrmEventRow {
  tenant_id: string
  message_id: string
  /** `track`, `page`, `identify`, `screen`, `group` or `alias`. */
  type: string
  event: string
  name: string
  anonymous_id: string
  user_id: string
  /** ClickHouse `DateTime64(3)` text in UTC. */
  timestamp: string
  path: string
  utm_source: string
  library_name: string
  /** Smart-event relevance score 1-10 set by the browser SDK, 0 when none. */
  score: number
  /** Engagement level from the browser SDK (`low`, `medium`, `high`) or `''`. */
  engagement: string
  bot: number
  /**
   * JSON object text (as ClickHouse answers it and the collector's log feed hands it over; the
   * feed parses it only where it reads it), or the object.
   */
  properties: JsonColumn
  /** JSON object text or the object, as `properties`. */
  traits: JsonColumn
  /** JSON object text or the object, as `properties`. */
  context: JsonColumn
}

/** A JSON column: object text, or the object already parsed. */
export type JsonColumn = string | Record<string, unknown>

/** The object of a JSON column; `{}` for text that is not a JSON object. */
export function readJsonColumn(value: JsonColumn): Record<string, unknown> {
  let parsed: unknown = value
  if (typeof value === 'string') {
    try {
      parsed = JSON.parse(value || '{}')
    } catch {
      return {}
    }
  }
  return typeof parsed === 'object' && parsed !== null && !Array.isArray(parsed)
    ? (parsed as Record<string, unknown>)
    : {}
}

/** Where an event came from, from the library that sent it: `web`, `server` or `device`. */
export function getChannel(libraryName: string, path: string): 'web' | 'server' | 'device' {
  const library = libraryName.toLowerCase()
  if (library.includes('device') || library.includes('firmware')) return 'device'
  if (path !== '' || library.includes('browser') || library === 'analytics.js' || library === 'rastro.js')
    return 'web'
  return 'server'
}

/** The same rule in SQL over `events` columns, for queries. */
export const CHANNEL_SQL = `multiIf(positionCaseInsensitive(library_name, 'device') > 0 OR positionCaseInsensitive(library_name, 'firmware') > 0, 'device',
  path != '' OR positionCaseInsensitive(library_name, 'browser') > 0 OR library_name IN ('analytics.js', 'rastro.js'), 'web', 'server')`
