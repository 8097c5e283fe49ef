import { validateEvent } from '@rastro/schema'
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { isCommonEvent } from '../../src/ingest/steps/is-common-event.js'

/** `isCommonEvent` may only say yes where zod says yes, and zod's event must then be the input. */
function expectAgreesWithZod(input: unknown): boolean {
  const common = isCommonEvent(input)
  if (common) {
    const result = validateEvent(input)
    expect(result, JSON.stringify(input)).toMatchObject({ ok: true })
    expect(result.ok && result.event).toStrictEqual(input)
  }
  return common
}

const browserContext = {
  library: { name: '@rastro/browser', version: '0.1.0' },
  page: {
    url: 'https://shop.example/p/1?utm_source=news',
    path: '/p/1',
    referrer: 'https://www.google.com/',
    title: 'Shoe',
    search: '?utm_source=news',
  },
  locale: 'es-AR',
  screen: { width: 1512, height: 982, density: 2 },
  timezone: 'America/Argentina/Buenos_Aires',
  sessionId: 's-1',
  campaign: { source: 'news', name: 'bf' },
  firstTouch: { source: 'google', gclid: 'x' },
  engagement: 'high',
  score: 7,
  bot: true,
  consent: { categoryPreferences: { analytics: true, marketing: false } },
}
const base = {
  messageId: '0193a6b0-7c1e-7000-8000-000000000001',
  anonymousId: 'a-1',
  timestamp: '2026-12-05T10:00:00.000Z',
  sentAt: '2026-12-05T10:00:01.000Z',
  context: browserContext,
  integrations: { All: true },
}

describe('isCommonEvent', () => {
  it('takes what the SDKs send, of every type, without zod', () => {
    const events = [
      { ...base, type: 'page', name: 'Shoe', category: 'Shop', properties: { url: 'https://shop.example/' } },
      { ...base, type: 'track', event: 'Page Left', properties: { scrollDepth: 80, engagement: 'high' } },
      { ...base, type: 'track', event: 'Web Vital', properties: { name: 'LCP', value: 1200 } },
      { ...base, type: 'screen', name: 'Cart', properties: {} },
      { ...base, type: 'identify', userId: 'u-1', traits: { email: 'a@b.c' } },
      { ...base, type: 'group', groupId: 'acme', traits: { name: 'Acme' } },
      { ...base, type: 'alias', previousId: 'a-1', userId: 'u-1' },
      { type: 'track', event: 'Server', userId: 'u-1', anonymousId: null, channel: 'server' },
      { type: 'track', event: 'Cookieless', context: { cookieless: true } },
    ]
    for (const event of events) expect(expectAgreesWithZod(event), JSON.stringify(event)).toBe(true)
  })

  it('leaves to zod what it must reject or check further, whatever the field', () => {
    const events: unknown[] = [
      null,
      [base],
      { ...base, type: 'purchase' },
      { ...base, type: 'toString' },
      { ...base, type: 'track' },
      { ...base, type: 'track', event: '' },
      { ...base, type: 'track', event: '$heatmap', properties: { points: [] } },
      { ...base, type: 'track', event: 'X', anonymousId: undefined },
      { ...base, type: 'track', event: 'X', anonymousId: '', context: { cookieless: 'yes' } },
      { ...base, type: 'track', event: 'X', messageId: '' },
      { ...base, type: 'track', event: 'X', messageId: 'm'.repeat(201) },
      { ...base, type: 'track', event: 'X', timestamp: 'yesterday' },
      { ...base, type: 'track', event: 'X', timestamp: '2026-13-45T99:99:00Z' },
      { ...base, type: 'track', event: 'X', sentAt: `2026-12-05T10:00:00.000Z${' '.repeat(41)}` },
      { ...base, type: 'track', event: 'X', properties: [] },
      { ...base, type: 'track', event: 'X', integrations: 'all' },
      { ...base, type: 'track', event: 'X', context: { ...browserContext, score: 0 } },
      { ...base, type: 'track', event: 'X', context: { ...browserContext, score: 2.5 } },
      { ...base, type: 'track', event: 'X', context: { ...browserContext, engagement: 'max' } },
      { ...base, type: 'track', event: 'X', context: { ...browserContext, screen: { width: Infinity } } },
      { ...base, type: 'track', event: 'X', context: { ...browserContext, library: { name: 'x' } } },
      { ...base, type: 'track', event: 'X', context: { consent: { categoryPreferences: { a: 1 } } } },
      { ...base, type: 'track', event: 'X', context: { consent: {} } },
      { ...base, type: 'track', event: 'X', context: { page: { url: 7 } } },
      { ...base, type: 'track', event: 'X', context: [] },
      { ...base, type: 'page', name: 'n'.repeat(501) },
      { ...base, type: 'group', groupId: '' },
      { ...base, type: 'alias', previousId: 'a', userId: null },
    ]
    for (const event of events) expect(expectAgreesWithZod(event), JSON.stringify(event)).toBe(false)
  })

  it('holds every string to the bound of its schema, to the character', () => {
    const fields: ((value: string) => object)[] = [
      (value) => ({ messageId: value }),
      (value) => ({ anonymousId: value }),
      (value) => ({ userId: value }),
      (value) => ({ event: value }),
      (value) => ({ context: { ip: value } }),
      (value) => ({ context: { userAgent: value } }),
      (value) => ({ context: { locale: value } }),
      (value) => ({ context: { timezone: value } }),
      (value) => ({ context: { sessionId: value } }),
      (value) => ({ context: { library: { name: value, version: '1' } } }),
      (value) => ({ context: { library: { name: 'x', version: value } } }),
      (value) => ({ context: { page: { url: value } } }),
      (value) => ({ context: { page: { path: value } } }),
      (value) => ({ context: { page: { referrer: value } } }),
      (value) => ({ context: { page: { title: value } } }),
      (value) => ({ context: { page: { search: value } } }),
      (value) => ({ context: { campaign: { name: value } } }),
      (value) => ({ context: { campaign: { source: value } } }),
      (value) => ({ context: { campaign: { medium: value } } }),
      (value) => ({ context: { campaign: { term: value } } }),
      (value) => ({ context: { campaign: { content: value } } }),
    ]
    for (const make of fields) {
      // The longest string zod takes must be taken here too, and one more character refused.
      let longest = 0
      for (let length = 1; length <= 5000; length *= 2) {
        if (validateEvent({ ...base, type: 'track', event: 'X', ...make('x'.repeat(length)) }).ok)
          longest = length
      }
      let high = longest * 2
      while (high - longest > 1) {
        const middle = Math.floor((longest + high) / 2)
        if (validateEvent({ ...base, type: 'track', event: 'X', ...make('x'.repeat(middle)) }).ok)
          longest = middle
        else high = middle
      }
      const at = { ...base, type: 'track', event: 'X', ...make('x'.repeat(longest)) }
      const over = { ...base, type: 'track', event: 'X', ...make('x'.repeat(longest + 1)) }
      expect(expectAgreesWithZod(at), JSON.stringify(make(`${longest}`))).toBe(true)
      expect(expectAgreesWithZod(over), JSON.stringify(make(`${longest + 1}`))).toBe(false)
    }
  })

  it('never takes an event that zod refuses or changes (generated events)', () => {
    const loose = fc.oneof(
      fc.string({ maxLength: 8 }),
      fc.constantFrom('', 'x'.repeat(65), 'x'.repeat(501), 'low', 'high'),
      fc.integer({ min: -2, max: 12 }),
      fc.double(),
      fc.boolean(),
      fc.constant(null),
      fc.array(fc.integer(), { maxLength: 2 }),
      fc.dictionary(fc.string({ maxLength: 4 }), fc.oneof(fc.boolean(), fc.integer()), { maxKeys: 2 }),
    )
    /** Mostly a value the schema takes, sometimes anything. */
    const field = (valid: fc.Arbitrary<unknown>) =>
      fc.oneof({ weight: 40, arbitrary: valid }, { weight: 1, arbitrary: loose })
    const text = field(fc.string({ maxLength: 8 }))
    const time = field(
      fc.oneof(
        fc
          .date({ min: new Date('1900-01-01'), max: new Date('2200-01-01'), noInvalidDate: true })
          .map((date) => date.toISOString()),
        fc.constantFrom('2026-12-05 10:00', '2026-02-30T10:00:00Z', '2026-12-05T25:00:00Z', 'soon'),
      ),
    )
    const number = field(fc.double())
    const flag = field(fc.boolean())
    const object = (shape: Record<string, fc.Arbitrary<unknown>>) =>
      field(fc.record(shape, { requiredKeys: [] }))
    const context = object({
      ip: text,
      userAgent: text,
      locale: text,
      timezone: text,
      library: object({ name: text, version: text }),
      page: object({ url: text, path: text, referrer: text, title: text, search: text }),
      campaign: object({ name: text, source: text, medium: text, term: text, content: text }),
      screen: object({ width: number, height: number, density: number }),
      sessionId: text,
      consent: object({ categoryPreferences: field(fc.dictionary(fc.string({ maxLength: 4 }), flag)) }),
      score: field(fc.integer({ min: 0, max: 11 })),
      engagement: field(fc.constantFrom('low', 'medium', 'high', 'max')),
      bot: flag,
      cookieless: flag,
      extra: loose,
    })
    const payload = field(fc.dictionary(fc.string({ maxLength: 4 }), loose, { maxKeys: 3 }))
    const event = fc.record(
      {
        type: field(fc.constantFrom('track', 'page', 'screen', 'identify', 'group', 'alias')),
        event: field(
          fc.oneof({ weight: 8, arbitrary: fc.constant('Clicked') }, fc.constantFrom('$heatmap', '')),
        ),
        name: text,
        category: text,
        groupId: text,
        previousId: text,
        messageId: field(fc.string({ minLength: 1, maxLength: 8 })),
        anonymousId: field(fc.oneof(fc.string({ minLength: 1, maxLength: 8 }), fc.constantFrom(null, ''))),
        userId: field(fc.oneof(fc.string({ minLength: 1, maxLength: 8 }), fc.constantFrom(null, ''))),
        timestamp: time,
        sentAt: time,
        properties: payload,
        traits: payload,
        integrations: payload,
        context,
        channel: loose,
      },
      { requiredKeys: ['type', 'anonymousId', 'event', 'groupId', 'previousId'] },
    )
    let taken = 0
    fc.assert(
      // As the collector gets them: JSON values.
      fc.property(event, (generated) => {
        if (expectAgreesWithZod(JSON.parse(JSON.stringify(generated)))) taken++
      }),
      { numRuns: 5000 },
    )
    // Not a vacuous pass: a share of the generated events are valid ones it takes.
    expect(taken).toBeGreaterThan(300)
  })
})
