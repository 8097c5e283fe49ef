import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import {
  decodeEventRows,
  encodeEventRow,
  encodeEventRows,
  EVENT_COLUMNS,
} from '../../src/ingest/encode-event-rows.js'
import type { EventRow } from '../../src/ingest/event-row.js'
import { createRow } from '../../src/ingest/steps/index.js'

const site = {
  tenantId: 't',
  siteId: 's',
  allowedOrigins: new Set<string>(),
  retentionDays: 30,
  enrichment: { parseUserAgent: true, detectBots: true },
  rateLimit: undefined,
}
const blank = createRow({ site, receivedAt: Date.UTC(2026, 11, 5), sentAt: undefined, ip: '', userAgent: '' })

/** The line as `JSON.stringify` writes the row's values, the JSON-text columns as objects. */
function expectedLine(row: EventRow): string {
  const values = EVENT_COLUMNS.map((column) =>
    ['properties', 'traits', 'context'].includes(column) ? JSON.parse(row[column] as string) : row[column],
  )
  return `${JSON.stringify(values)}\n`
}

describe('encodeEventRow', () => {
  it('writes the text JSON.stringify would, for any strings and numbers, row after row', () => {
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
        for (const part of parts) {
          const full = { ...blank, ...part }
          expect(encodeEventRow(full)).toBe(expectedLine(full))
        }
      }),
      { numRuns: 2000 },
    )
  })

  it('reads back as the rows it was given', () => {
    const rows = [
      { ...blank, timestamp: '2026-12-05 10:00:00.000', event: 'A "b"', properties: '{"x":1}' },
      { ...blank, timestamp: '2026-12-05 10:00:01.000', event: 'A "b"', user_agent: 'ua\n' },
      { ...blank, timestamp: '2026-11-30 23:59:59.999', event: 'C', context: '{"page":{"url":"u"}}' },
    ]
    const payloads = encodeEventRows(rows)
    expect(payloads).toHaveLength(2)
    const decoded = payloads.flatMap((payload) => decodeEventRows(payload))
    expect(
      decoded.map((row) => [row.timestamp, row.event, row.user_agent, row.properties, row.context]),
    ).toEqual(
      rows.map((row) => [
        row.timestamp,
        row.event,
        row.user_agent,
        JSON.parse(row.properties),
        JSON.parse(row.context),
      ]),
    )
  })
})
