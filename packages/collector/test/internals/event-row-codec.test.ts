import { describe, expect, it } from 'vitest'
import type { SiteRef } from '../../src/config/key-ring.js'
import { decodeEventRows, encodeEventRows } from '../../src/ingest/encode-event-rows.js'
import { toClickHouseTime, type EventRow } from '../../src/ingest/event-row.js'
import { createRow } from '../../src/ingest/steps/index.js'

const site: SiteRef = {
  tenantId: 't',
  siteId: 'web',
  allowedOrigins: new Set(),
  retentionDays: 30,
  enrichment: { parseUserAgent: true, detectBots: true, country: true },
  rateLimit: undefined,
}

/** Strings that look like the JSON around them: braces, quotes, escapes, separators, non-ASCII. */
const tricky = ['{', '}', '"{"', 'a\\"}', '\\', '},{', '\n\t', 'ñandú 🙂', '\u2028', '[1,{"x":"}"}]']

function row(i: number): EventRow {
  const text = tricky[i % tricky.length]!
  return {
    ...createRow({ site, receivedAt: Date.now(), sentAt: undefined, ip: '', userAgent: '' }),
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
