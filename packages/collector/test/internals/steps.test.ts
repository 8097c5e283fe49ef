import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { MAX_EVENT_BYTES } from '@rastro/schema'
import fc from 'fast-check'
import { afterAll, describe, expect, it } from 'vitest'
import { runPipeline, type EventDraft, type RequestInfo } from '../../src/ingest/pipeline.js'
import { createRow, createSteps } from '../../src/ingest/steps/index.js'
import { validateSize } from '../../src/ingest/steps/validate-size.js'
import { VisitorIds } from '../../src/ingest/visitor-ids.js'
import { VisitorSalt } from '../../src/ingest/visitor-salt.js'
import { testSite } from '../helpers/test-site.js'

const dir = mkdtempSync(join(tmpdir(), 'rastro-steps-'))
afterAll(() => rmSync(dir, { recursive: true, force: true }))

const site = testSite('t', { siteId: 's' })
const request: RequestInfo = {
  site,
  receivedAt: Date.UTC(2026, 11, 5, 10),
  sentAt: undefined,
  ip: '203.0.113.9',
  userAgent: 'Mozilla/5.0 (X11; Linux x86_64) Firefox/133.0',
}
const steps = createSteps({ visitorIds: new VisitorIds({ salt: new VisitorSalt(dir) }) })

/** The size check as it was: the whole event serialised and measured. */
function exactVerdict(input: unknown): string | undefined {
  let json: string | undefined
  try {
    json = JSON.stringify(input)
  } catch {
    return 'event is nested too deeply'
  }
  const bytes = Buffer.byteLength(json ?? '')
  return bytes <= MAX_EVENT_BYTES ? undefined : `event is ${bytes} bytes; the limit is ${MAX_EVENT_BYTES}`
}

function checkSize(input: unknown): string | undefined {
  return validateSize.run({ input, request } as EventDraft)?.message
}

describe('validateSize', () => {
  it('gives the verdict of measuring the whole JSON, to the byte, however the event is made of', () => {
    const big = (length: number, unit: string) => unit.repeat(Math.ceil(length / unit.length))
    const near = fc.integer({ min: 0, max: 12_000 })
    const value = fc.oneof(
      fc.jsonValue({ maxDepth: 3 }),
      fc
        .tuple(near, fc.constantFrom('x', 'é', '€', '😀', '\n', '\u0001', '"', '\ud800'))
        .map(([n, u]) => big(n, u)),
      fc.tuple(near, fc.constantFrom('x', '€', '\u0001')).map(([n, u]) => ({ text: big(n, u) })),
      fc.constantFrom(-0.0000012345678901234567, 1e21, -1.7976931348623157e308, Infinity, NaN),
    )
    fc.assert(
      fc.property(fc.dictionary(fc.string({ maxLength: 6 }), value, { maxKeys: 6 }), (input) => {
        expect(checkSize(input)).toBe(exactVerdict(input))
      }),
      { numRuns: 2000 },
    )
    for (const input of [null, 'text', 7, [1, 2], ['x'.repeat(40_000)]])
      expect(checkSize(input)).toBe(exactVerdict(input))
    // Right at the limit: the largest event that passes, and one byte more.
    const at = { event: 'x'.repeat(MAX_EVENT_BYTES - '{"event":""}'.length) }
    expect(checkSize(at)).toBeUndefined()
    expect(checkSize({ event: `${at.event}x` })).toBe(exactVerdict({ event: `${at.event}x` }))
  })

  it('rejects an event nested too deeply to serialise', () => {
    const deep = JSON.parse(`${'['.repeat(20_000)}${']'.repeat(20_000)}`) as unknown
    expect(checkSize({ type: 'track', properties: { deep } })).toBe('event is nested too deeply')
  })
})

describe('the stored payload', () => {
  it('is the JSON of the event as sent, serialised once, whichever way it was validated', () => {
    const context = {
      page: { url: 'https://shop.example/?utm_source=a', title: 'T' },
      library: { version: '1', name: 'n' },
      zz: [1],
    }
    const inputs = [
      { type: 'track', event: 'A', anonymousId: 'a', properties: { b: 1, a: 'é' }, context },
      // A `$heatmap` event goes through zod, which gives back a copy with its own key order.
      {
        type: 'track',
        event: '$heatmap',
        anonymousId: 'a',
        properties: { points: [{ x: 1, y: 2, w: 800, s: 'a', ox: 0, oy: 1 }] },
        context,
      },
      { type: 'identify', userId: 'u', traits: { plan: 'pro' }, properties: { ignored: true }, context },
      { type: 'group', userId: 'u', groupId: 'g', traits: { name: 'Acme' } },
      { type: 'alias', userId: 'u', previousId: 'p' },
      { type: 'page', anonymousId: 'a' },
    ]
    const { rows, rejected } = runPipeline(structuredClone(inputs), request, steps, createRow)
    expect(rejected).toEqual([])
    expect(rows.map((row) => [row.properties, row.traits, row.context])).toEqual([
      [JSON.stringify(inputs[0]!.properties), '{}', JSON.stringify(context)],
      [JSON.stringify(inputs[1]!.properties), '{}', JSON.stringify(context)],
      ['{}', '{"plan":"pro"}', JSON.stringify(context)],
      ['{"groupId":"g"}', '{"name":"Acme"}', '{}'],
      ['{"previousId":"p"}', '{}', '{}'],
      ['{}', '{}', '{}'],
    ])
  })

  it("has a cookieless event's derived session id in its context", () => {
    const inputs = [
      { type: 'track', event: 'A', context: { cookieless: true, locale: 'es' } },
      { type: 'track', event: 'B', context: { cookieless: true, sessionId: 'kept' } },
    ]
    const { rows } = runPipeline(structuredClone(inputs), request, steps, createRow)
    const [derived, kept] = rows
    expect(derived!.session_id).toMatch(/^cl_/)
    expect(derived!.context).toBe(JSON.stringify({ ...inputs[0]!.context, sessionId: derived!.session_id }))
    expect(kept!.context).toBe(JSON.stringify(inputs[1]!.context))
  })
})
