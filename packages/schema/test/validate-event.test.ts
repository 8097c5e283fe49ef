import { describe, expect, it } from 'vitest'
import { errorCodes, validateEvent } from '../src/index.js'

const base = { messageId: 'm-1', anonymousId: 'anon-1', timestamp: '2026-11-22T10:00:00.000Z' }

describe('validateEvent', () => {
  it('accepts every call type of the Segment Spec', () => {
    const events = [
      { ...base, type: 'track', event: 'Order Completed', properties: { revenue: 12.5 } },
      { ...base, type: 'page', name: 'Home', properties: { url: 'https://shop.example/' } },
      { ...base, type: 'screen', name: 'Cart' },
      { ...base, type: 'identify', userId: 'u-1', traits: { email: 'a@b.c' } },
      { ...base, type: 'group', groupId: 'acme', traits: { name: 'Acme' } },
      { ...base, type: 'alias', previousId: 'anon-1', userId: 'u-1' },
    ]
    for (const input of events) {
      const result = validateEvent(input)
      expect(result, JSON.stringify(input)).toMatchObject({ ok: true, event: input })
    }
  })

  it('keeps unknown top-level and context keys that Segment libraries send', () => {
    const input = {
      ...base,
      type: 'track',
      event: 'X',
      channel: 'server',
      context: { library: { name: 'analytics-node', version: '2' }, custom: 1 },
    }
    const result = validateEvent(input)
    expect(result.ok && result.event).toEqual(input)
  })

  it('names the missing field of a track call', () => {
    expect(validateEvent({ ...base, type: 'track' })).toMatchObject({
      ok: false,
      code: 'RASTRO_ERR_EVENT_INVALID',
      field: 'event',
      message: 'event: required',
    })
  })

  it('names a nested field with the wrong type', () => {
    expect(validateEvent({ ...base, type: 'page', context: { page: { url: 42 } } })).toMatchObject({
      ok: false,
      field: 'context.page.url',
      message: 'context.page.url: Invalid input: expected string, received number',
    })
  })

  it('rejects an unknown type, a non-object and an event without identity', () => {
    expect(validateEvent({ ...base, type: 'purchase' })).toMatchObject({ ok: false, field: 'type' })
    expect(validateEvent({ ...base, type: 'toString' })).toMatchObject({ ok: false, field: 'type' })
    expect(validateEvent([1, 2])).toMatchObject({ ok: false, code: 'RASTRO_ERR_EVENT_INVALID' })
    expect(validateEvent({ type: 'track', event: 'X' })).toMatchObject({
      ok: false,
      code: 'RASTRO_ERR_EVENT_NO_IDENTITY',
    })
  })

  it('rejects timestamps that are not ISO 8601', () => {
    expect(validateEvent({ ...base, type: 'track', event: 'X', timestamp: 'yesterday' })).toMatchObject({
      ok: false,
      field: 'timestamp',
    })
    expect(
      validateEvent({ ...base, type: 'track', event: 'X', timestamp: '2026-13-45T99:99:00Z' }),
    ).toMatchObject({
      ok: false,
      field: 'timestamp',
    })
  })

  it('accepts a userId alone and a non-UUID messageId', () => {
    const result = validateEvent({
      type: 'track',
      event: 'X',
      userId: 'u',
      messageId: 'node-next-1700000000-abc',
    })
    expect(result.ok).toBe(true)
  })

  it('only ever answers with codes of the catalogue', () => {
    const bad = [null, 1, 'x', {}, { type: 'track' }, { type: 'alias', anonymousId: 'a' }]
    for (const input of bad) {
      const result = validateEvent(input)
      expect(result.ok).toBe(false)
      if (!result.ok) expect(Object.keys(errorCodes)).toContain(result.code)
    }
  })
})

describe('cookieless events', () => {
  it('accepts an event without identity when context.cookieless is true, and only then', () => {
    const event = { type: 'page', messageId: 'c-1', context: { cookieless: true } }
    expect(validateEvent(event)).toMatchObject({ ok: true, event })
    expect(validateEvent({ ...event, context: { cookieless: false } })).toMatchObject({
      ok: false,
      code: 'RASTRO_ERR_EVENT_NO_IDENTITY',
      field: 'anonymousId',
    })
    expect(validateEvent({ ...event, context: { cookieless: 'yes' } })).toMatchObject({
      ok: false,
      code: 'RASTRO_ERR_EVENT_INVALID',
      field: 'context.cookieless',
    })
  })
})

describe('$heatmap events', () => {
  const point = { x: 120, y: 900, w: 1280, s: 'main > button.buy', ox: 0.25, oy: 0.5 }
  const heatmap = (properties: unknown) => ({ ...base, type: 'track', event: '$heatmap', properties })

  it('accepts points within bounds', () => {
    expect(
      validateEvent(heatmap({ points: [point, { ...point, s: '', x: -40, y: -3 }], pageHeight: 3000 })),
    ).toMatchObject({
      ok: true,
    })
  })

  it('names the offending point field, and requires 1 to 500 points', () => {
    expect(validateEvent(heatmap({ points: [point, { ...point, ox: 1.5 }] }))).toMatchObject({
      ok: false,
      code: 'RASTRO_ERR_EVENT_INVALID',
      field: 'properties.points.1.ox',
    })
    expect(validateEvent(heatmap({ points: [{ ...point, x: -2_000_000 }] }))).toMatchObject({
      field: 'properties.points.0.x',
    })
    expect(validateEvent(heatmap({ points: [{ ...point, y: Number.NaN }] }))).toMatchObject({
      field: 'properties.points.0.y',
    })
    expect(validateEvent(heatmap({ points: [{ ...point, w: 0 }] }))).toMatchObject({
      field: 'properties.points.0.w',
    })
    expect(validateEvent(heatmap({ points: [{ ...point, s: 7 }] }))).toMatchObject({
      field: 'properties.points.0.s',
    })
    expect(validateEvent(heatmap({}))).toMatchObject({ field: 'properties.points' })
    expect(validateEvent(heatmap({ points: [] }))).toMatchObject({ field: 'properties.points' })
    expect(validateEvent(heatmap({ points: new Array(501).fill(point) }))).toMatchObject({
      field: 'properties.points',
    })
    expect(validateEvent(heatmap({ points: [point], pageHeight: 'tall' }))).toMatchObject({
      field: 'properties.pageHeight',
    })
  })

  it('leaves other events with a points property alone', () => {
    expect(
      validateEvent({ ...base, type: 'track', event: 'Clicked', properties: { points: 3 } }),
    ).toMatchObject({ ok: true })
  })
})
