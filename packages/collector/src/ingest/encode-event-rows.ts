/**
 * Encodes accepted rows as the exact `JSONCompactEachRow` text of an `events` insert: one JSON
 * array per line, values in {@link EVENT_COLUMNS} order. This text is what the log stores and
 * what the writer sends to ClickHouse as it is (no parse, no re-serialisation between ack and
 * insert); `JSONCompactEachRow` inserts ran ~3x faster than `JSONEachRow` here
 * (issue "collector hot path", measured through `@clickhouse/client` on chDB).
 *
 * `timestamp` is the first column, so a line starts with `["YYYY-MM`: the month, which is the
 * `events` partition, can be read from a record's first bytes without parsing it
 * ({@link getRecordMonth}). Rows are grouped by month, one payload per month, so every record
 * belongs to one partition and the writer can keep each insert within ClickHouse's
 * `max_partitions_per_insert_block` (100).
 */
import type { EventRow } from './event-row.js'

/** Column order of the `events` rows in the log and in inserts. Starts with `timestamp` (see above). */
export const EVENT_COLUMNS = [
  'timestamp',
  'tenant_id',
  'site_id',
  'message_id',
  'type',
  'event',
  'name',
  'anonymous_id',
  'user_id',
  'session_id',
  'original_timestamp',
  'sent_at',
  'received_at',
  'url',
  'path',
  'referrer',
  'title',
  'utm_source',
  'utm_medium',
  'utm_campaign',
  'utm_term',
  'utm_content',
  'browser',
  'browser_version',
  'os',
  'os_version',
  'device_type',
  'user_agent',
  'ip',
  'library_name',
  'library_version',
  'locale',
  'score',
  'engagement',
  'bot',
  'properties',
  'traits',
  'context',
  'retention_days',
] as const satisfies readonly (keyof EventRow)[]

// Fails to compile when EventRow gains a field that EVENT_COLUMNS lacks.
const everyColumn: Exclude<keyof EventRow, (typeof EVENT_COLUMNS)[number]> extends never ? true : never = true
void everyColumn

/** The columns before the JSON-text ones, which go into the line as they are. */
const HEAD_COLUMNS = EVENT_COLUMNS.slice(0, -4)

/**
 * A string as JSON text, as `JSON.stringify` writes it: between quotes as it is when nothing in it
 * needs escaping (a quote, a backslash, a control character or a surrogate, which
 * `JSON.stringify` escapes when lone), the common case, which skips `JSON.stringify`'s cost.
 */
function quote(text: string): string {
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i)
    if (code < 0x20 || code === 0x22 || code === 0x5c || (code >= 0xd800 && code <= 0xdfff))
      return JSON.stringify(text)
  }
  return `"${text}"`
}

/** A column's value as JSON text. */
function toJsonValue(value: string | number | null): string {
  if (typeof value === 'string') return quote(value)
  return value === null || !Number.isFinite(value) ? 'null' : String(value)
}

/**
 * Each column's last value and its JSON text: consecutive rows (a request's events) mostly share
 * their site, user agent, page, session…
 */
const lastValues = new Array<string | number | null | undefined>(HEAD_COLUMNS.length).fill(undefined)
const lastTexts = new Array<string>(HEAD_COLUMNS.length).fill('')

/**
 * One row as a `JSONCompactEachRow` line, with its newline: the text `JSON.stringify` would make
 * of the row's values, built by hand (its strings rarely need escaping; `JSON.stringify` of the
 * row cost ~4.5 µs per event, measured). `properties`, `traits` and `context` are JSON object
 * text already: they go in as objects, not as strings to escape again, and ClickHouse stores an
 * object read into a `String` column as its text, byte for byte
 * (`input_format_json_read_objects_as_strings`, set on the writer's inserts).
 */
export function encodeEventRow(row: EventRow): string {
  let line = '['
  for (let i = 0; i < HEAD_COLUMNS.length; i++) {
    const value = row[HEAD_COLUMNS[i]!]
    if (value !== lastValues[i]) {
      lastValues[i] = value
      lastTexts[i] = toJsonValue(value)
    }
    line += `${lastTexts[i]},`
  }
  return `${line}${row.properties},${row.traits},${row.context},${row.retention_days}]\n`
}

/** Rows as log payloads: one buffer of lines per month of `timestamp`, in first-seen order. */
export function encodeEventRows(rows: readonly EventRow[]): Buffer[] {
  const byMonth = new Map<string, string>()
  for (const row of rows) {
    const month = row.timestamp.slice(0, 7)
    byMonth.set(month, (byMonth.get(month) ?? '') + encodeEventRow(row))
  }
  return [...byMonth.values()].map((text) => Buffer.from(text))
}

/** `YYYY-MM` of the rows of a payload made by {@link encodeEventRows}. */
export function getRecordMonth(payload: Buffer): string {
  // `["2026-11-22 10:00:00.000",…`: bytes 2-8.
  return payload.toString('latin1', 2, 9)
}

/** Number of rows (lines) in a payload. */
export function countRecordRows(payload: Buffer): number {
  let rows = 0
  let at = payload.indexOf(10)
  while (at !== -1) {
    rows++
    at = payload.indexOf(10, at + 1)
  }
  return rows
}

/** A row read back from the log: `properties`, `traits` and `context` as the objects they encode. */
export type DecodedEventRow = Omit<EventRow, 'properties' | 'traits' | 'context'> & {
  properties: Record<string, unknown>
  traits: Record<string, unknown>
  context: Record<string, unknown>
}

/**
 * The rows of a log payload made by {@link encodeEventRows}, for log consumers that want rows
 * rather than insert text. The JSON columns come back parsed (not as text to parse again: that
 * round trip cost more than the whole ingest pipeline, measured). A line that is not a row
 * (never written by ingest) is skipped.
 */
export function decodeEventRows(payload: Buffer): DecodedEventRow[] {
  const rows: DecodedEventRow[] = []
  for (const line of payload.toString('utf8').split('\n')) {
    if (line === '') continue
    let values: unknown
    try {
      values = JSON.parse(line)
    } catch {
      continue
    }
    if (!Array.isArray(values) || values.length !== EVENT_COLUMNS.length) continue
    const row: Record<string, unknown> = {}
    for (let i = 0; i < EVENT_COLUMNS.length; i++) row[EVENT_COLUMNS[i]!] = values[i]
    rows.push(row as DecodedEventRow)
  }
  return rows
}
