/**
 * The event rows the CRM consumes: the columns of the collector's `events` table it reads, so the
 * collector's `EventRow` (and a row read back from ClickHouse) can be passed as is.
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
  /** JSON text. */
  properties: string
  /** JSON text. */
  traits: string
  /** JSON text. */
  context: string
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
