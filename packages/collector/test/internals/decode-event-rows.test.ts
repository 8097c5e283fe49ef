import { setFlagsFromString } from 'node:v8'
import { runInNewContext } from 'node:vm'
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { CRM_COLUMNS, decodeCrmRows } from '../../src/crm-feed/decode-crm-rows.js'
import { decodeEventRows } from '../helpers/decode-event-rows.js'
import { encodeEventRows } from '../../src/ingest/encode-event-rows.js'
import { toClickHouseTime, type EventRow } from '../../src/ingest/event-row.js'
import { createRow } from '../../src/ingest/steps/index.js'
import { testSite } from '../helpers/test-site.js'

const site = testSite('t', { siteId: 's' })

/** Strings that look like the JSON around them: braces, quotes, escapes, separators, non-ASCII. */
const tricky = ['{', '}', '"{"', 'a\\"}', '\\', '},{', '\n\t', 'ñandú 🙂', '\u2028', '[1,{"x":"}"}]']

function row(i: number): EventRow {
  const text = tricky[i % tricky.length]!
  return {
    ...createRow({ site, receivedAt: Date.UTC(2026, 11, 5), sentAt: undefined, ip: '', userAgent: '' }),
    message_id: `m-${i}`,
    anonymous_id: text,
    event: `Event ${text}`,
    title: text,
    timestamp: toClickHouseTime(Date.UTC(2026, 11, 5, 10, 0, i)),
    score: i % 10,
    properties: JSON.stringify({ text, nested: { list: [text, { deeper: text }], n: i }, empty: {} }),
    traits: i % 2 ? '{}' : JSON.stringify({ email: `${text}@example.com` }),
    context: JSON.stringify({ page: { title: text }, traits: { name: text } }),
    country: i % 3 ? 'ES' : '',
  }
}

describe('decodeEventRows', () => {
  it('gives back every column of what encodeEventRows wrote, the JSON columns as their text', () => {
    const rows = Array.from({ length: 40 }, (_, i) => row(i))
    const decoded = encodeEventRows(rows).flatMap((payload) => decodeEventRows(payload))
    expect(decoded).toEqual(rows)
    for (const [i, value] of decoded.entries()) {
      expect(JSON.parse(value.properties)).toEqual(JSON.parse(rows[i]!.properties))
    }
  })

  it('reads a line written before `country` existed, and skips lines that are not rows', () => {
    const [payload] = encodeEventRows([row(1)])
    const old = payload!.toString().replace(/,"ES"\]\n$/, ']\n')
    const broken = [
      '[1,2,3]',
      'not json',
      payload!.toString().slice(0, 200),
      payload!.toString().replace('"m-1"', '{}'),
      '["a",{"unterminated":"}]',
    ]
    const decoded = decodeEventRows(Buffer.from(`${broken.join('\n')}\n${old}`))
    expect(decoded).toEqual([{ ...row(1), country: '' }])
  })
})

describe('decodeCrmRows', () => {
  const pick = (row: EventRow) => Object.fromEntries(CRM_COLUMNS.map((column) => [column, row[column]]))

  it('gives the CRM columns of every row, and only those, for any strings in any column', () => {
    const text = fc.oneof(fc.constantFrom(...tricky), fc.string({ maxLength: 12 }))
    const line = fc.record({
      message_id: text,
      event: text,
      name: text,
      anonymous_id: text,
      user_id: text,
      path: text,
      utm_source: text,
      library_name: text,
      engagement: text,
      url: text,
      title: text,
      user_agent: text,
      sent_at: fc.oneof(fc.constant(null), text),
      score: fc.integer({ min: 0, max: 10 }),
      bot: fc.constantFrom(0, 1),
      properties: fc.jsonValue().map((value) => JSON.stringify({ value })),
    })
    fc.assert(
      fc.property(fc.array(line, { minLength: 1, maxLength: 5 }), (parts) => {
        const rows = parts.map((part, i) => ({ ...row(i), ...part }))
        const payload = Buffer.concat(encodeEventRows(rows))
        const decoded = decodeCrmRows(payload)
        expect(decoded).toEqual(decodeEventRows(payload).map(pick))
        expect(Object.keys(decoded[0]!).sort()).toEqual([...CRM_COLUMNS].sort())
      }),
      { numRuns: 1000 },
    )
  })

  it('gives values of their own: ids kept after their batches do not keep the payloads alive', () => {
    setFlagsFromString('--expose-gc')
    const gc = runInNewContext('gc') as () => void
    const many = Array.from({ length: 20_000 }, (_, i) => ({
      ...row(i),
      url: `https://shop.example/products/${i}?utm_source=newsletter&utm_medium=email`,
    }))
    gc()
    const before = process.memoryUsage().heapUsed
    const kept: string[] = []
    for (let batch = 0; batch < 10; batch++) {
      const payload = Buffer.concat(
        encodeEventRows(many.map((one) => ({ ...one, message_id: `${batch}-${one.message_id}-of-a-batch` }))),
      )
      kept.push(
        ...decodeCrmRows(payload)
          .slice(0, 10)
          .map((decoded) => decoded.message_id),
      )
    }
    gc()
    // Each payload's text is ~14 MB (two bytes a character: the rows hold non-Latin-1 text). With
    // the ids slices of it, the heap kept ~170 MB; with ids of their own, 12-17 MB (a first call's
    // compiled code and the like; measured).
    expect(process.memoryUsage().heapUsed - before).toBeLessThan(48 * 1024 * 1024)
    expect(kept.slice(0, 2)).toEqual(['0-m-0-of-a-batch', '0-m-1-of-a-batch'])
  })

  it('skips the lines that are not rows', () => {
    const [payload] = encodeEventRows([row(1)])
    const text = payload!.toString()
    const broken = [
      '[1,2,3]',
      'not json',
      text.slice(0, 200),
      text.replace('"m-1"', '{}'),
      // An escape JSON has not: the whole line is skipped, not the batch.
      text.replace('"m-1"', '"m-\\x1"'),
      text.replace(',1,', ',x,'),
    ]
    expect(decodeCrmRows(Buffer.from(`${broken.join('\n')}\n${text}`))).toEqual([pick(row(1))])
  })
})
