import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { decodeEventRows } from '../helpers/decode-event-rows.js'
import { encodeEventRows, EVENT_COLUMNS } from '../../src/ingest/encode-event-rows.js'
import { toClickHouseTime, type EventRow } from '../../src/ingest/event-row.js'
import { createRow } from '../../src/ingest/steps/index.js'
import { testSite } from '../helpers/test-site.js'

const site = testSite('t', { siteId: 's' })
const blank = createRow({ site, receivedAt: Date.UTC(2026, 11, 5), sentAt: undefined, ip: '', userAgent: '' })

/** `text` with each lone surrogate made U+FFFD (Node 20 has it; the ES2022 types do not). */
const toWellFormed = (text: string): string => (text as unknown as { toWellFormed(): string }).toWellFormed()

/** The row as stored: its string columns well-formed (UTF-8 cannot hold a lone surrogate). */
function asStored(row: EventRow): EventRow {
  const stored = { ...row } as Record<string, unknown>
  for (const column of EVENT_COLUMNS) {
    const value = stored[column]
    if (typeof value === 'string' && !['properties', 'traits', 'context'].includes(column))
      stored[column] = toWellFormed(value)
  }
  return stored as unknown as EventRow
}

/** The line as `JSON.stringify` writes the row's stored values, the JSON-text columns as objects. */
function expectedLine(row: EventRow): string {
  const stored = asStored(row)
  const values = EVENT_COLUMNS.map((column) =>
    ['properties', 'traits', 'context'].includes(column)
      ? JSON.parse(stored[column] as string)
      : stored[column],
  )
  return `${JSON.stringify(values)}\n`
}

/** The text of the one payload `rows` (all of one month) are encoded as. */
function encodeText(rows: EventRow[]): string {
  const payloads = encodeEventRows(rows)
  expect(payloads).toHaveLength(1)
  return payloads[0]!.toString('utf8')
}

describe('encodeEventRows', () => {
  it('writes the text JSON.stringify would, for any strings (lone surrogates as U+FFFD) and numbers, row after row', () => {
    const text = fc.oneof(
      fc.constantFrom(
        '',
        'Mozilla/5.0 (X11)',
        'é€😀',
        '"quoted" \\ back',
        'tab\there',
        '\u0000',
        '\ud800',
        'x\udfff',
        '\u2028',
      ),
      fc.string({ maxLength: 12, unit: 'binary' }),
    )
    const row = fc.record({
      message_id: text,
      event: text,
      url: text,
      user_agent: text,
      original_timestamp: fc.oneof(fc.constant(null), text),
      score: fc.oneof(fc.integer({ min: 0, max: 10 }), fc.double()),
      bot: fc.constantFrom(0 as const, 1 as const),
      properties: fc.jsonValue().map((value) => JSON.stringify({ value })),
    })
    fc.assert(
      fc.property(fc.array(row, { minLength: 1, maxLength: 6 }), (parts) => {
        const rows = parts.map((part) => ({ ...blank, ...part }))
        expect(encodeText(rows)).toBe(rows.map(expectedLine).join(''))
      }),
      { numRuns: 2000 },
    )
  })

  it('reads back, through decodeEventRows, as the row it was given, for any strings and JSON (lone surrogates as U+FFFD)', () => {
    const text = fc.string({ maxLength: 12, unit: 'binary' })
    const json = fc.jsonValue().map((value) => JSON.stringify({ value }))
    const row = fc.record({
      message_id: text,
      event: text,
      url: text,
      original_timestamp: fc.oneof(fc.constant(null), text),
      score: fc.integer({ min: 0, max: 10 }),
      properties: json,
      traits: json,
      context: json,
      // An ISO 3166-1 code or '', as putCountry leaves it (the decoder relies on it holding no `}`).
      country: fc.constantFrom('', 'ES', 'US'),
    })
    fc.assert(
      fc.property(row, (part) => {
        const full = { ...blank, ...part }
        expect(decodeEventRows(Buffer.from(encodeText([full])))).toEqual([asStored(full)])
      }),
      { numRuns: 2000 },
    )
  })

  it('writes each column in its place, every column a value of its own, and a repeated value as it was', () => {
    const distinct = Object.fromEntries(
      EVENT_COLUMNS.map((column, i) => {
        const value = blank[column]
        if (typeof value === 'number') return [column, i]
        if (['properties', 'traits', 'context'].includes(column)) return [column, JSON.stringify({ column })]
        if (column.endsWith('timestamp') || column === 'sent_at' || column === 'received_at')
          return [column, toClickHouseTime(Date.UTC(2026, 11, 5, 10, 0, i))]
        // A value of 64 bytes or more is copied from the row before differently: the user agent.
        return [
          column,
          column === 'user_agent' ? 'Mozilla/5.0 (X11; Linux x86_64) '.repeat(4) : `value of ${column}`,
        ]
      }),
    ) as unknown as EventRow
    expect(encodeText([distinct, { ...distinct, message_id: 'second' }])).toBe(
      expectedLine(distinct) + expectedLine({ ...distinct, message_id: 'second' }),
    )
  })

  it('writes values longer than its first buffer, and one payload per month in first-seen order', () => {
    const long = 'é"'.repeat(100_000)
    const at = (month: number, i: number) => ({
      ...blank,
      message_id: `m-${i}`,
      title: i === 1 ? long : '',
      timestamp: toClickHouseTime(Date.UTC(2026, month, 5)),
    })
    const rows = [at(10, 0), at(11, 1), at(10, 2), at(9, 3), at(11, 4)]
    const payloads = encodeEventRows(rows)
    expect(payloads.map((payload) => payload.toString('utf8'))).toEqual([
      [rows[0]!, rows[2]!].map(expectedLine).join(''),
      [rows[1]!, rows[4]!].map(expectedLine).join(''),
      expectedLine(rows[3]!),
    ])
    // The buffer grown for the long title is reused, and written from its start again.
    expect(encodeText([at(10, 5)])).toBe(expectedLine(at(10, 5)))
    expect(encodeEventRows([])).toEqual([])
  })
})
