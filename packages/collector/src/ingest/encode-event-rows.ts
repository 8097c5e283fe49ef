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
 *
 * Columns added after the first release go at the end (`country`), so a record written by an
 * older collector is a prefix of today's row: the writer inserts it with the missing columns at
 * their defaults (`input_format_json_compact_allow_variable_number_of_columns`) and the readers
 * accept {@link MIN_EVENT_VALUES} values.
 */
import type { EventRow } from './event-row.js'
import { BACKSLASH, CLOSE_BRACKET, COMMA, NEWLINE, OPEN_BRACKET, QUOTE } from './json-char-codes.js'

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
  'country',
] as const satisfies readonly (keyof EventRow)[]

/** Values in a record written before `country` was added (the columns up to `retention_days`). */
export const MIN_EVENT_VALUES = EVENT_COLUMNS.indexOf('retention_days') + 1

// Fails to compile when EventRow gains a field that EVENT_COLUMNS lacks.
const everyColumn: Exclude<keyof EventRow, (typeof EVENT_COLUMNS)[number]> extends never ? true : never = true
void everyColumn

/** The columns before the JSON-text ones, which go into the line as they are. */
export const HEAD_COLUMNS = EVENT_COLUMNS.slice(0, EVENT_COLUMNS.indexOf('properties'))

/** A UTF-16 surrogate without its other half (a JSON `\ud800` escape makes one), which UTF-8 cannot hold. */
const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g

/** Most UTF-8 bytes one UTF-16 code unit of a string value takes in a line: `\u001f` (6). */
const MAX_BYTES_PER_UNIT = 6

/**
 * Where lines are written: one buffer reused by every call (events are encoded one request at a
 * time, synchronously), grown by doubling when a request needs more and never shrunk. Memory of
 * its own, not Node's shared pool.
 */
let scratch = Buffer.allocUnsafeSlow(256 * 1024)

/** Makes room for `bytes` more bytes at `at`, keeping what is written before it. */
function reserve(at: number, bytes: number): void {
  if (at + bytes <= scratch.length) return
  let size = scratch.length * 2
  while (size < at + bytes) size *= 2
  const grown = Buffer.allocUnsafeSlow(size)
  scratch.copy(grown, 0, 0, at)
  scratch = grown
}

/** Writes one byte at `at`; returns the index after it. */
function writeByte(byte: number, at: number): number {
  reserve(at, 1)
  scratch[at] = byte
  return at + 1
}

/** Writes ASCII text (numbers, `null`) at `at`; returns the index after it. */
function writeAscii(text: string, at: number): number {
  reserve(at, text.length)
  for (let i = 0; i < text.length; i++) scratch[at + i] = text.charCodeAt(i)
  return at + text.length
}

/**
 * Writes `text` as a JSON string at `at`, as `JSON.stringify` writes it; returns the index after
 * it. The common case, printable ASCII with no quote or backslash, is copied a character at a time;
 * anything else takes the slow path: as it is between quotes when only non-ASCII characters are
 * in it, else through `JSON.stringify` with each lone surrogate made U+FFFD first (as
 * `String.prototype.toWellFormed` makes it): `JSON.stringify` would write it as a `\ud800` escape,
 * which ClickHouse stores as three bytes that are not UTF-8 (each read back as U+FFFD), so an id
 * holding one was stored as another id than the one acknowledged (found by the fuzz test).
 */
function writeString(text: string, at: number): number {
  reserve(at, text.length * MAX_BYTES_PER_UNIT + 2)
  const bytes = scratch
  bytes[at] = QUOTE
  let i = 0
  for (; i < text.length; i++) {
    const code = text.charCodeAt(i)
    if (code < 0x20 || code === QUOTE || code === BACKSLASH || code >= 0x80) break
    bytes[at + 1 + i] = code
  }
  if (i === text.length) {
    bytes[at + 1 + i] = QUOTE
    return at + i + 2
  }
  for (let j = i; j < text.length; j++) {
    const code = text.charCodeAt(j)
    if (code < 0x20 || code === QUOTE || code === BACKSLASH || (code >= 0xd800 && code <= 0xdfff))
      return at + bytes.write(JSON.stringify(text.replace(LONE_SURROGATE, '\ufffd')), at)
  }
  const end = at + 1 + bytes.write(text, at + 1)
  bytes[end] = QUOTE
  return end + 1
}

/** Writes a head column's value (a string, a number, or null) as JSON at `at`. */
function writeValue(value: string | number | null, at: number): number {
  if (typeof value === 'string') return writeString(value, at)
  return writeAscii(value === null || !Number.isFinite(value) ? 'null' : String(value), at)
}

/** Writes JSON text (an object column) as it is at `at`. */
function writeJson(json: string, at: number): number {
  reserve(at, json.length * 3)
  return at + scratch.write(json, at)
}

/**
 * Where each head column's last value was written in this call's lines (start and end), for the
 * next row with the same value to copy its bytes: consecutive rows (a request's events) mostly
 * share their site, user agent, page, session… A start of `-1`: none yet in this call.
 */
const lastValues = new Array<string | number | null | undefined>(HEAD_COLUMNS.length).fill(undefined)
const lastStarts = new Int32Array(HEAD_COLUMNS.length)
const lastEnds = new Int32Array(HEAD_COLUMNS.length)

/** The head values of the row being written, in {@link HEAD_COLUMNS} order (reused row after row). */
const headValues = new Array<string | number | null>(HEAD_COLUMNS.length)

/**
 * Reads `row`'s head values into {@link headValues}, each by its name: reading them in a loop over
 * the column names (`row[column]`, a lookup V8 cannot specialise) took a fifth of the row's
 * encoding time (measured). The encoding test fails when this order and {@link HEAD_COLUMNS} differ.
 */
function readHeadValues(row: EventRow): void {
  headValues[0] = row.timestamp
  headValues[1] = row.tenant_id
  headValues[2] = row.site_id
  headValues[3] = row.message_id
  headValues[4] = row.type
  headValues[5] = row.event
  headValues[6] = row.name
  headValues[7] = row.anonymous_id
  headValues[8] = row.user_id
  headValues[9] = row.session_id
  headValues[10] = row.original_timestamp
  headValues[11] = row.sent_at
  headValues[12] = row.received_at
  headValues[13] = row.url
  headValues[14] = row.path
  headValues[15] = row.referrer
  headValues[16] = row.title
  headValues[17] = row.utm_source
  headValues[18] = row.utm_medium
  headValues[19] = row.utm_campaign
  headValues[20] = row.utm_term
  headValues[21] = row.utm_content
  headValues[22] = row.browser
  headValues[23] = row.browser_version
  headValues[24] = row.os
  headValues[25] = row.os_version
  headValues[26] = row.device_type
  headValues[27] = row.user_agent
  headValues[28] = row.ip
  headValues[29] = row.library_name
  headValues[30] = row.library_version
  headValues[31] = row.locale
  headValues[32] = row.score
  headValues[33] = row.engagement
  headValues[34] = row.bot
}

/**
 * Writes one row as a `JSONCompactEachRow` line, with its newline, at `at`: the text
 * `JSON.stringify` would make of the row's values, written as bytes straight into the scratch
 * buffer (`JSON.stringify` of the row cost ~4.5 µs per event; building the line as a string
 * allocated ~2.7 KB per event, the largest part of ingest's garbage, measured). `properties`,
 * `traits` and `context` are JSON object text already: they go in as objects, not as strings to
 * escape again, and ClickHouse stores an object read into a `String` column as its text, byte for
 * byte (`input_format_json_read_objects_as_strings`, set on the writer's inserts).
 */
function writeRow(row: EventRow, at: number): number {
  at = writeByte(OPEN_BRACKET, at)
  readHeadValues(row)
  for (let i = 0; i < HEAD_COLUMNS.length; i++) {
    const value = headValues[i]!
    if (value === lastValues[i] && lastStarts[i]! >= 0) {
      const start = lastStarts[i]!
      const length = lastEnds[i]! - start
      reserve(at, length)
      const bytes = scratch
      // A short value byte by byte: `copyWithin` costs a call into the runtime per value.
      if (length < 64) for (let j = 0; j < length; j++) bytes[at + j] = bytes[start + j]!
      else bytes.copyWithin(at, start, start + length)
      at = writeByte(COMMA, at + length)
    } else {
      lastValues[i] = value
      lastStarts[i] = at
      at = writeValue(value, at)
      lastEnds[i] = at
      at = writeByte(COMMA, at)
    }
  }
  at = writeByte(COMMA, writeJson(row.properties, at))
  at = writeByte(COMMA, writeJson(row.traits, at))
  at = writeByte(COMMA, writeJson(row.context, at))
  at = writeByte(COMMA, writeValue(row.retention_days, at))
  at = writeString(row.country, at)
  return writeByte(NEWLINE, writeByte(CLOSE_BRACKET, at))
}

/** Memory for a payload of `bytes` bytes, its contents undefined (`Buffer.allocUnsafe` by default). */
export type AllocatePayload = (bytes: number) => Buffer

/** The rows' lines, one after the other, as a buffer of their own. */
function encodeLines(rows: readonly EventRow[], allocate: AllocatePayload): Buffer {
  lastStarts.fill(-1)
  let at = 0
  for (const row of rows) at = writeRow(row, at)
  const payload = allocate(at)
  scratch.copy(payload, 0, 0, at)
  return payload
}

/** Whether two ClickHouse times (`YYYY-MM-DD hh:mm:ss.sss`) fall in the same month. */
function isSameMonth(a: string, b: string): boolean {
  for (let i = 0; i < 7; i++) if (a.charCodeAt(i) !== b.charCodeAt(i)) return false
  return true
}

/**
 * Rows as log payloads: one buffer of `JSONCompactEachRow` lines per month of `timestamp`, in
 * first-seen order (a request's events are nearly always of one month: that case is one pass),
 * each from `allocate` (the log's sink hands out reused memory for large ones).
 */
export function encodeEventRows(
  rows: readonly EventRow[],
  allocate: AllocatePayload = Buffer.allocUnsafe,
): Buffer[] {
  const first = rows[0]
  if (!first) return []
  if (rows.every((row) => isSameMonth(row.timestamp, first.timestamp))) return [encodeLines(rows, allocate)]
  const byMonth = new Map<string, EventRow[]>()
  for (const row of rows) {
    const month = row.timestamp.slice(0, 7)
    const list = byMonth.get(month)
    if (list) list.push(row)
    else byMonth.set(month, [row])
  }
  return [...byMonth.values()].map((monthRows) => encodeLines(monthRows, allocate))
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
