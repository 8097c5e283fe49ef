/**
 * Fuzz test of the ingest endpoints (fast-check): thousands of generated bodies, from random
 * bytes (invalid UTF-8) and arbitrary JSON to Segment events with wrong types, `__proto__` /
 * `constructor` keys, deep nesting, huge strings and odd content types. Every answer is a JSON
 * 2xx or 4xx (never a 5xx, never a crash), and afterwards every accepted event is in ClickHouse:
 * nothing an odd event carries can stop the writer.
 */
import fc from 'fast-check'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { keys, queryRows, startCollector, type RunningCollector } from './helpers/start-collector.js'

let collector: RunningCollector

beforeAll(async () => {
  collector = await startCollector({ config: undefined })
})
afterAll(async () => {
  await collector?.stop()
})

const ENDPOINTS = ['/v1/batch', '/v1/track', '/v1/page', '/v1/identify'] as const
const CONTENT_TYPES = [
  'application/json',
  'text/plain;charset=UTF-8',
  'application/json; charset=latin1',
  'application/x-www-form-urlencoded',
  '',
]

/** Accepted events' messageIds (distinct ones count once) and accepted events without one. */
const acceptedIds = new Set<string>()
let acceptedWithoutId = 0

const dangerousKey = fc.constantFrom('__proto__', 'constructor', 'prototype', 'toString', 'a.b', '')
const key = fc.oneof(fc.string({ maxLength: 12 }), dangerousKey)
const { value: loose } = fc.letrec<{ value: unknown }>((tie) => ({
  value: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    fc.string({ maxLength: 40, unit: 'binary' }),
    fc.double(),
    fc.integer(),
    fc.boolean(),
    fc.constant(null),
    fc.array(tie('value'), { maxLength: 4 }),
    fc.dictionary(key, tie('value'), { maxKeys: 4 }),
  ),
}))
const text = fc.oneof(
  fc.string({ maxLength: 30 }),
  fc.string({ maxLength: 30, unit: 'binary' }),
  fc.constantFrom('\ud800', 'x\udfff', '\u0000', '"\\', 'x'.repeat(40_000), '', ' '),
)
const time = fc.oneof(
  fc
    .date({ min: new Date(-8e15), max: new Date(8e15), noInvalidDate: true })
    .map((date) => date.toISOString()),
  fc.constantFrom('2026-01-01T00:00:00Z', '0001-01-01T00:00:00Z', '9999-12-31T23:59:59Z', 'yesterday', ''),
  loose,
)
const event = fc.record(
  {
    type: fc.oneof(fc.constantFrom('track', 'page', 'identify', 'screen', 'group', 'alias'), loose),
    event: fc.oneof(text, loose),
    name: fc.oneof(text, loose),
    messageId: fc.oneof(text, loose),
    anonymousId: fc.oneof(text, loose),
    userId: fc.oneof(text, loose),
    groupId: text,
    previousId: text,
    timestamp: time,
    sentAt: time,
    properties: loose,
    traits: loose,
    context: fc.oneof(
      loose,
      fc.record(
        {
          ip: fc.oneof(fc.ipV4(), fc.ipV6(), text),
          userAgent: text,
          page: fc.record({ url: fc.oneof(fc.webUrl(), text), title: text }, { requiredKeys: [] }),
          campaign: loose,
          score: loose,
          bot: loose,
          sessionId: text,
        },
        { requiredKeys: [] },
      ),
    ),
  },
  { requiredKeys: [] },
)
const withIdentity = event.map((value) => ({ anonymousId: 'fuzz', type: 'track', event: 'Fuzz', ...value }))
/** Valid envelopes whose free-form parts (properties, traits, context strings) are anything. */
const plausible = fc
  .record(
    {
      type: fc.constantFrom('track', 'page', 'identify'),
      messageId: fc.oneof(fc.string({ minLength: 1, maxLength: 20, unit: 'binary' }), fc.uuid()),
      anonymousId: fc.string({ maxLength: 20, unit: 'binary' }),
      properties: fc.dictionary(key, loose, { maxKeys: 5 }),
      traits: fc.dictionary(key, loose, { maxKeys: 5 }),
      context: fc.record(
        {
          ip: fc.oneof(fc.ipV4(), fc.ipV6(), fc.string({ maxLength: 30 })),
          userAgent: fc.string({ maxLength: 60, unit: 'binary' }),
          page: fc.record({
            url: fc.oneof(fc.webUrl(), fc.string({ maxLength: 30 })),
            title: fc.string({ unit: 'binary' }),
          }),
          sessionId: fc.string({ maxLength: 20, unit: 'binary' }),
          extra: loose,
        },
        { requiredKeys: [] },
      ),
      timestamp: fc
        .date({ min: new Date('1990-01-01'), max: new Date('2090-01-01'), noInvalidDate: true })
        .map((date) => date.toISOString()),
    },
    { requiredKeys: ['type', 'anonymousId'] },
  )
  .map((value) => ({ ...value, event: 'Fuzz', anonymousId: value.anonymousId || 'fuzz' }))

const anyPath = fc.constantFrom(...ENDPOINTS)
const singlePath = fc.constantFrom('/v1/track', '/v1/page', '/v1/identify')
const encode = (value: unknown) => Buffer.from(JSON.stringify(value) ?? 'null')

/** `[path, body]`: mostly the endpoint the body is meant for, sometimes any. */
const request = fc.oneof(
  {
    weight: 1,
    arbitrary: fc.tuple(
      anyPath,
      fc.uint8Array({ maxLength: 300 }).map((bytes) => Buffer.from(bytes)),
    ),
  },
  { weight: 1, arbitrary: fc.tuple(anyPath, loose.map(encode)) },
  {
    weight: 5,
    arbitrary: fc.tuple(
      fc.oneof({ weight: 9, arbitrary: fc.constant('/v1/batch') }, { weight: 1, arbitrary: anyPath }),
      fc
        .record(
          {
            batch: fc.array(fc.oneof(plausible, plausible, plausible, withIdentity, event, loose), {
              maxLength: 8,
            }),
            sentAt: time,
            context: loose,
          },
          { requiredKeys: ['batch'] },
        )
        .map(encode),
    ),
  },
  { weight: 3, arbitrary: fc.tuple(singlePath, fc.oneof(plausible, plausible, withIdentity).map(encode)) },
  {
    weight: 1,
    // A valid batch spoilt by raw bytes: invalid UTF-8 inside a string.
    arbitrary: fc.tuple(
      fc.constant('/v1/batch'),
      fc
        .uint8Array({ minLength: 1, maxLength: 8 })
        .map((bytes) =>
          Buffer.concat([
            Buffer.from('{"batch":[{"type":"track","event":"'),
            Buffer.from(bytes.map((byte) => (byte === 34 || byte === 92 ? 0xff : byte | 0x80))),
            Buffer.from('","anonymousId":"u"}]}'),
          ]),
        ),
    ),
  },
  {
    weight: 1,
    arbitrary: fc.tuple(
      fc.constant('/v1/batch'),
      fc
        .integer({ min: 1, max: 30_000 })
        .map((depth) =>
          Buffer.from(
            `{"batch":[{"type":"track","event":"d","anonymousId":"d","properties":${'['.repeat(depth)}${']'.repeat(depth)}}]}`,
          ),
        ),
    ),
  },
)
const contentType = fc.oneof(
  { weight: 8, arbitrary: fc.constantFrom('application/json', 'text/plain;charset=UTF-8') },
  { weight: 1, arbitrary: fc.constantFrom(...CONTENT_TYPES) },
)

function parseBody(buffer: Buffer): unknown {
  try {
    return JSON.parse(buffer.toString('utf8'))
  } catch {
    return undefined
  }
}

/** Remembers the accepted events of a 200 answer, to count them in ClickHouse afterwards. */
function recordAccepted(path: string, sent: Buffer, answer: { rejected: { index: number }[] }) {
  const parsed = parseBody(sent) as Record<string, unknown>
  const events = path === '/v1/batch' ? (parsed.batch as Record<string, unknown>[]) : [parsed]
  const rejected = new Set(answer.rejected.map((rejection) => rejection.index))
  events.forEach((value, index) => {
    if (rejected.has(index)) return
    const messageId = value.messageId
    // Stored well-formed: a lone surrogate (UTF-8 cannot hold one) becomes U+FFFD.
    if (typeof messageId === 'string' && messageId !== '')
      acceptedIds.add((messageId as unknown as { toWellFormed(): string }).toWellFormed())
    else acceptedWithoutId++
  })
}

describe('ingest fuzz', () => {
  it('answers every generated body with a JSON 2xx or 4xx, never a 5xx', async () => {
    let requests = 0
    await fc.assert(
      fc.asyncProperty(request, contentType, async ([path, sent], type) => {
        requests++
        const response = await fetch(`${collector.url}${path}`, {
          method: 'POST',
          headers: {
            authorization: `Basic ${Buffer.from(`${keys.writeKey}:`).toString('base64')}`,
            ...(type ? { 'content-type': type } : {}),
          },
          body: sent,
        })
        const answer = (await response.json()) as Record<string, any>
        expect(response.status, JSON.stringify(answer)).toBeLessThan(500)
        if (response.status === 200) {
          expect(answer.ok).toBe(true)
          recordAccepted(path, sent, answer as { rejected: { index: number }[] })
        } else {
          expect(answer.error.code).toMatch(/^RASTRO_ERR_[A-Z_]+$/)
        }
      }),
      { numRuns: 2000, seed: Number(process.env.FUZZ_SEED ?? Date.now() % 2 ** 31) },
    )
    expect(requests).toBe(2000)
    expect(acceptedIds.size + acceptedWithoutId).toBeGreaterThan(500)
  }, 120_000)

  it('inserts every accepted event: no odd value stops the writer', async () => {
    await collector.app.whenStored(30_000)
    const metrics = await (await fetch(`${collector.url}/metrics`)).text()
    // Rows, not a count(*): the tenant's 30-day TTL deletes fuzzed old timestamps on insert.
    expect(metrics).toContain(`rastro_store_inserted_rows_total ${acceptedIds.size + acceptedWithoutId}\n`)
    expect(metrics).toMatch(/^rastro_store_rejected_records_total 0$/m)
    expect(metrics).not.toMatch(/^rastro_store_clickhouse_errors_total\{/m)
    const stored = await queryRows<{ message_id: string }>(collector, 'SELECT message_id FROM events')
    const unknown = stored.filter(
      (row) => !acceptedIds.has(row.message_id) && !/^[0-9a-f-]{36}$/.test(row.message_id),
    )
    expect(unknown).toEqual([])
  }, 60_000)
})
