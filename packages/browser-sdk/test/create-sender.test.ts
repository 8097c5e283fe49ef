import { describe, expect, it } from 'vitest'
import { createSender } from '../src/transport/create-sender.js'
import { MAX_BODY_BYTES } from '../src/transport/split-batch.js'
import { createLogger } from '../src/util/create-logger.js'
import { createFakeBeacon, createFakeFetch, type FakeResponse } from './fixtures/create-fake-window.js'

/** `n` serialized events of about `bytes` bytes each, with non-ASCII text to count UTF-8 bytes. */
const events = (n: number, bytes = 1000) =>
  Array.from({ length: n }, (_, i) =>
    JSON.stringify({ messageId: `m${i}`, properties: { text: 'ñ'.repeat(bytes / 2) } }),
  )

function setup(responses: FakeResponse[] = [], acceptBeacon = true) {
  const fake = createFakeFetch(responses)
  const beacon = createFakeBeacon(acceptBeacon)
  const send = createSender({
    url: 'https://t.example/v1/batch',
    writeKey: 'wk_test',
    fetch: fake.fetch,
    beacon: beacon.beacon,
    now: () => Date.UTC(2026, 0, 1),
    log: createLogger(),
  })
  return { send, ...fake, beacon }
}

describe('createSender', () => {
  it('sends the wire format: writeKey, sentAt and batch in a text/plain body', async () => {
    const { send, requests } = setup()
    const items = events(2, 10)
    expect(await send(items)).toEqual({ _failed: [], _done: items, _retryAfterMs: 0, _ok: true })
    expect(requests).toHaveLength(1)
    expect(requests[0]!.body).toEqual({
      writeKey: 'wk_test',
      sentAt: '2026-01-01T00:00:00.000Z',
      batch: [
        { messageId: 'm0', properties: { text: 'ñ'.repeat(5) } },
        { messageId: 'm1', properties: { text: 'ñ'.repeat(5) } },
      ],
    })
  })

  it('splits into bodies under 60 KB, in order, every event once', async () => {
    const { send, requests, events: sent } = setup()
    const items = events(300)
    await send(items)
    expect(requests.length).toBeGreaterThan(4)
    for (const request of requests) {
      expect(new TextEncoder().encode(String(request.init.body)).length).toBeLessThanOrEqual(MAX_BODY_BYTES)
      expect(request.init.keepalive).toBe(true)
    }
    expect(sent().map((e) => e.messageId)).toEqual(items.map((_, i) => `m${i}`))
  })

  it('stops at the first retryable failure and hands back that chunk and the rest', async () => {
    const { send, requests } = setup([{ status: 200 }, { status: 503, headers: { 'Retry-After': '3' } }])
    const items = events(300)
    const outcome = await send(items)
    expect(requests).toHaveLength(2)
    const firstChunk = requests[0]!.body.batch.length
    expect(outcome._failed).toEqual(items.slice(firstChunk))
    expect(outcome._done).toEqual(items.slice(0, firstChunk))
    expect(outcome._retryAfterMs).toBe(3000)
    expect(outcome._ok).toBe(false)
  })

  it('drops events answered with a final error and does not retry them', async () => {
    const { send } = setup([{ status: 400 }])
    const items = events(1)
    expect(await send(items)).toEqual({ _failed: [], _done: items, _retryAfterMs: 0, _ok: false })
  })

  it('uses sendBeacon for events with no stored copy when the page is hidden, all chunks at once', async () => {
    const { send, requests, beacon } = setup()
    const outcome = await send(events(150), true, true)
    expect(requests).toHaveLength(0)
    expect(beacon.bodies.length).toBeGreaterThan(1)
    expect(beacon.bodies.flatMap((b) => b.batch)).toHaveLength(150)
    expect(outcome._ok).toBe(true)
    // Handed to the browser, not answered: a stored copy (if any) is not forgotten.
    expect(outcome._done).toEqual([])
  })

  it('sends stored events by keepalive fetch when the page is hidden, all chunks dispatched at once', async () => {
    const { send, requests, beacon } = setup()
    const items = events(150)
    const sending = send(items, true)
    // Dispatched synchronously, before anything is awaited.
    expect(requests.length).toBeGreaterThan(1)
    const outcome = await sending
    expect(beacon.bodies).toHaveLength(0)
    expect(requests.every((r) => r.init.keepalive)).toBe(true)
    expect(outcome._done).toHaveLength(150)
  })

  it('falls back to keepalive fetch when the browser refuses the beacon', async () => {
    const { send, requests } = setup([{ status: 500 }], false)
    const items = events(2, 10)
    const outcome = await send(items, true, true)
    expect(requests).toHaveLength(1)
    expect(requests[0]!.init.keepalive).toBe(true)
    expect(outcome._failed).toEqual(items)
  })
})
