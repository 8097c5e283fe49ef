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
    })
  })

  it('names a nested field with the wrong type', () => {
    expect(validateEvent({ ...base, type: 'page', context: { page: { url: 42 } } })).toMatchObject({
      ok: false,
      field: 'context.page.url',
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
