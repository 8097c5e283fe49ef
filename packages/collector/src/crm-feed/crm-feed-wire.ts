/**
 * The wire between a collector with `crmFeed: "remote"` and the fleet's CRM host: the CRM host
 * takes the event rows of another collector's log at {@link CRM_FEED_PATH}. The body is log
 * payloads as the log holds them (one JSON array of {@link EVENT_COLUMNS} values per line, each
 * line ending in `\n`), so neither side encodes anything; the sender names its columns in
 * {@link CRM_FEED_COLUMNS_HEADER}, and the host takes only columns its decoder reads.
 */
import { EVENT_COLUMNS, MIN_EVENT_VALUES } from '../ingest/encode-event-rows.js'

export const CRM_FEED_PATH = '/v1/internal/crm-feed'
export const CRM_FEED_CONTENT_TYPE = 'application/x-rastro-event-rows'
export const CRM_FEED_COLUMNS_HEADER = 'rastro-event-columns'

/** This version's event columns, comma-separated, as {@link CRM_FEED_COLUMNS_HEADER} carries them. */
export const EVENT_COLUMNS_HEADER = EVENT_COLUMNS.join(',')

/**
 * Whether rows with the sender's `columns` (the header's value) can be read here: the same
 * columns, or the older rows' (this version's columns up to at least `retention_days`, as log
 * records written before a column was added). A sender newer than the host is refused.
 */
export function canReadColumns(columns: string): boolean {
  if (columns === EVENT_COLUMNS_HEADER) return true
  const names = columns.split(',')
  return (
    names.length >= MIN_EVENT_VALUES &&
    names.length < EVENT_COLUMNS.length &&
    names.every((name, i) => name === EVENT_COLUMNS[i])
  )
}
