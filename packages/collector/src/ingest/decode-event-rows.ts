/**
 * Reads event rows back from log payloads made by `encodeEventRows`, for the log consumers
 * that want rows rather than insert text (the CRM feed). A consumer names the columns it reads,
 * and only those are made into values: the CRM feed reads 17 of the 41, and decoding every column
 * of every row cost it more CPU than the whole ingest pipeline, most of it in the garbage those
 * values made (measured). `properties`, `traits` and `context` are given as their JSON object
 * text, for the consumer to parse only what it reads.
 */
import { EVENT_COLUMNS, HEAD_COLUMNS, MIN_EVENT_VALUES } from './encode-event-rows.js'
import { BACKSLASH, CLOSE_BRACE, COMMA, NEWLINE, OPEN_BRACE, OPEN_BRACKET, QUOTE } from './json-char-codes.js'

/** A column of the `events` rows in the log. */
export type EventColumn = (typeof EVENT_COLUMNS)[number]

/**
 * One line's values, as a decoder's `build` gets them. The decoder reuses this object and its
 * `head` for every line: `build` copies what it keeps.
 */
export interface LineValues {
  /** The head columns' values ({@link HEAD_COLUMNS} order): strings, numbers or null; `undefined` where not read. */
  head: unknown[]
  properties: string
  traits: string
  context: string
  /** `retention_days`, then `country` (absent from records written before it existed); `[]` when not read. */
  tail: unknown[]
}

/** The first letter of `null`. */
const LOWER_N = 0x6e

/** Values after `context`: at most those of today's rows, at least those of the oldest records. */
const MAX_TAIL_VALUES = EVENT_COLUMNS.length - HEAD_COLUMNS.length - 3
const MIN_TAIL_VALUES = MIN_EVENT_VALUES - HEAD_COLUMNS.length - 3

/**
 * The index just past the JSON string that opens at `at`; -1 when it never closes. Jumps from
 * quote to quote (`indexOf` is native; a character loop cost more than `JSON.parse` of the line).
 */
function skipString(line: string, at: number): number {
  let from = at + 1
  for (;;) {
    const quote = line.indexOf('"', from)
    if (quote === -1) return -1
    let backslash = quote - 1
    while (line.charCodeAt(backslash) === BACKSLASH) backslash--
    // An even run of backslashes escapes itself, not the quote.
    if ((quote - 1 - backslash) % 2 === 0) return quote + 1
    from = quote + 1
  }
}

/** The index just past the JSON object that opens at `at`; -1 when `at` is no `{` or it never closes. */
function skipObject(line: string, at: number): number {
  if (line.charCodeAt(at) !== OPEN_BRACE) return -1
  let depth = 0
  for (let i = at; i < line.length; i++) {
    const code = line.charCodeAt(i)
    if (code === QUOTE) {
      const end = skipString(line, i)
      if (end === -1) return -1
      i = end - 1
    } else if (code === OPEN_BRACE) depth++
    else if (code === CLOSE_BRACE && --depth === 0) return i + 1
  }
  return -1
}

/**
 * The JSON string `line[from, to)`, quotes included, as a string of its own; undefined when it is
 * not a valid JSON string. Not a slice of the line: V8 keeps a slice's whole parent text alive,
 * here the payload's megabytes, for as long as any consumer keeps the value (a cache of message
 * ids kept every payload they came from).
 */
function readString(line: string, from: number, to: number): string | undefined {
  try {
    return JSON.parse(line.slice(from, to)) as string
  } catch {
    return undefined
  }
}

/** The number or `null` in `line[from, to)`; undefined when it is neither. */
function readScalar(line: string, from: number, to: number): number | null | undefined {
  if (line.charCodeAt(from) === LOWER_N) return line.slice(from, to) === 'null' ? null : undefined
  const value = from === to ? NaN : Number(line.slice(from, to))
  return Number.isNaN(value) ? undefined : value
}

/**
 * Reads the head values of `line` (the columns before `properties`, each a JSON string, number or
 * null) into `head` where `wanted`, skipping the others without making values of them. Returns
 * the index of the `{` that opens `properties`, or -1 when the line is not a row.
 */
function readHead(line: string, wanted: readonly boolean[], head: unknown[]): number {
  if (line.charCodeAt(0) !== OPEN_BRACKET) return -1
  let at = 1
  for (let i = 0; i < wanted.length; i++) {
    let end: number
    if (line.charCodeAt(at) === QUOTE) {
      end = skipString(line, at)
      if (end === -1) return -1
      if (wanted[i]) {
        const value = readString(line, at, end)
        if (value === undefined) return -1
        head[i] = value
      }
    } else {
      end = line.indexOf(',', at)
      if (end === -1) return -1
      if (wanted[i]) {
        const value = readScalar(line, at, end)
        if (value === undefined) return -1
        head[i] = value
      }
    }
    if (line.charCodeAt(end) !== COMMA) return -1
    at = end + 1
  }
  return line.charCodeAt(at) === OPEN_BRACE ? at : -1
}

/**
 * Reads one line into `values`; false for a line that is not a row. `properties` and `traits`
 * are walked to find their ends; `context` ends at the line's last `}`, since what follows it
 * (`retention_days`, a number, and `country`, an ISO 3166-1 code or '') holds none: walking
 * `context`, the longest of the three, cost more than the rest of the line.
 */
function readLine(line: string, wanted: readonly boolean[], withTail: boolean, values: LineValues): boolean {
  const propertiesAt = readHead(line, wanted, values.head)
  if (propertiesAt === -1) return false
  const propertiesEnd = skipObject(line, propertiesAt)
  if (propertiesEnd === -1 || line.charCodeAt(propertiesEnd) !== COMMA) return false
  const traitsEnd = skipObject(line, propertiesEnd + 1)
  const contextEnd = line.lastIndexOf('}') + 1
  if (
    traitsEnd === -1 ||
    line.charCodeAt(traitsEnd) !== COMMA ||
    line.charCodeAt(traitsEnd + 1) !== OPEN_BRACE ||
    contextEnd <= traitsEnd + 1 ||
    line.charCodeAt(contextEnd) !== COMMA
  )
    return false
  if (withTail) {
    let tail: unknown
    try {
      tail = JSON.parse(`[${line.slice(contextEnd + 1)}`)
    } catch {
      return false
    }
    if (!Array.isArray(tail) || tail.length < MIN_TAIL_VALUES || tail.length > MAX_TAIL_VALUES) return false
    values.tail = tail
  }
  values.properties = line.slice(propertiesAt, propertiesEnd)
  values.traits = line.slice(propertiesEnd + 1, traitsEnd)
  values.context = line.slice(traitsEnd + 1, contextEnd)
  return true
}

/**
 * A decoder of log payloads into rows that read `columns`: `build` makes a row of one line's
 * values (as an object literal, so every row shares one hidden class: rows built key by key
 * became slow dictionary objects, measured). A line that is not a row (never written by ingest)
 * is skipped.
 */
export function createEventRowDecoder<Row>(
  columns: readonly EventColumn[],
  build: (values: LineValues) => Row,
): (payload: Buffer) => Row[] {
  const wanted = HEAD_COLUMNS.map((column) => columns.includes(column))
  const withTail = columns.includes('retention_days') || columns.includes('country')
  return (payload) => {
    const rows: Row[] = []
    const values: LineValues = {
      head: new Array<unknown>(HEAD_COLUMNS.length),
      properties: '',
      traits: '',
      context: '',
      tail: [],
    }
    for (const line of payloadLines(payload))
      if (readLine(line, wanted, withTail, values)) rows.push(build(values))
    return rows
  }
}

/**
 * The lines of a log payload (`encodeEventRows`' `JSONCompactEachRow` text), each a string of its
 * own, without its newline; empty lines are skipped. Not the payload made one string and split: a
 * string over 128 KB is a page of V8's large-object space of its own, faulted in anew each time,
 * and the CRM feed's decoding of a batch of 500 events cost 3x per event that of a batch of 50
 * (`npm run bench:steps`); a line's strings also keep only that line's text alive.
 */
export function* payloadLines(payload: Buffer): Generator<string, void, undefined> {
  for (let start = 0; start < payload.length;) {
    let end = payload.indexOf(NEWLINE, start)
    if (end === -1) end = payload.length
    if (end > start) yield payload.toString('utf8', start, end)
    start = end + 1
  }
}

/** The index of a head column in {@link LineValues.head}. */
export function headIndex(column: (typeof HEAD_COLUMNS)[number]): number {
  return HEAD_COLUMNS.indexOf(column)
}
