import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { createQueue, type QueueOptions } from '../src/queue/create-queue.js'
import type { SendOutcome } from '../src/transport/create-sender.js'
import { createLogger } from '../src/util/create-logger.js'

const ok = (items: string[] = []): SendOutcome => ({ _failed: [], _done: items, _retryAfterMs: 0, _ok: true })

function setup(overrides: Partial<QueueOptions> = {}, outcomes: ((items: string[]) => SendOutcome)[] = []) {
  const sent: { items: string[]; useBeacon?: boolean }[] = []
  const send = vi.fn(async (items: string[], useBeacon?: boolean) => {
    sent.push({ items, useBeacon })
    return (outcomes.shift() ?? ok)(items)
  })
  const queue = createQueue({
    flushAt: 20,
    flushIntervalMs: 5000,
    maxQueueSize: 1000,
    random: () => 1,
    log: createLogger(),
    send,
    ...overrides,
  })
  return { queue, send, sent }
}
const push = (queue: ReturnType<typeof setup>['queue'], n: number, from = 0) => {
  for (let i = from; i < from + n; i++) queue._push(`{"n":${i}}`)
}
const fail =
  (retryAfterMs = 0) =>
  (items: string[]): SendOutcome => ({ _failed: items, _done: [], _retryAfterMs: retryAfterMs, _ok: false })

beforeEach(() => vi.useFakeTimers())
afterEach(() => vi.useRealTimers())

describe('createQueue', () => {
  it('sends at 20 events without waiting for the timer', async () => {
    const { queue, sent } = setup()
    push(queue, 19)
    await vi.advanceTimersByTimeAsync(0)
    expect(sent).toHaveLength(0)
    push(queue, 1, 19)
    await vi.advanceTimersByTimeAsync(0)
    expect(sent).toHaveLength(1)
    expect(sent[0]!.items).toHaveLength(20)
    expect(queue._items).toHaveLength(0)
  })

  it('sends 5 s after the first queued event', async () => {
    const { queue, sent } = setup()
    push(queue, 1)
    await vi.advanceTimersByTimeAsync(3000)
    push(queue, 1, 1)
    await vi.advanceTimersByTimeAsync(1999)
    expect(sent).toHaveLength(0)
    await vi.advanceTimersByTimeAsync(1)
    expect(sent.map((s) => s.items)).toEqual([['{"n":0}', '{"n":1}']])
    // An idle queue sets no timer.
    expect(vi.getTimerCount()).toBe(0)
  })

  it('retries failed events in order, before newer ones, with exponential backoff', async () => {
    // random() = 1: the full-jitter delay is its ceiling, 1 s · 2^attempt.
    const { queue, sent } = setup({}, [fail(), fail(), fail()])
    push(queue, 2)
    await queue._flush()
    expect(sent).toHaveLength(1)
    push(queue, 1, 2)
    await vi.advanceTimersByTimeAsync(999)
    expect(sent).toHaveLength(1)
    await vi.advanceTimersByTimeAsync(1)
    expect(sent).toHaveLength(2)
    expect(sent[1]!.items).toEqual(['{"n":0}', '{"n":1}', '{"n":2}'])
    await vi.advanceTimersByTimeAsync(1999)
    expect(sent).toHaveLength(2)
    await vi.advanceTimersByTimeAsync(1)
    expect(sent).toHaveLength(3)
    await vi.advanceTimersByTimeAsync(4000)
    expect(sent).toHaveLength(4)
    expect(sent[3]!.items).toEqual(sent[1]!.items)
    expect(queue._items).toHaveLength(0)
  })

  it('waits for Retry-After when it is longer than the backoff', async () => {
    const { queue, sent } = setup({}, [fail(30_000)])
    push(queue, 1)
    await queue._flush()
    await vi.advanceTimersByTimeAsync(29_999)
    expect(sent).toHaveLength(1)
    await vi.advanceTimersByTimeAsync(1)
    expect(sent).toHaveLength(2)
  })

  it('caps the backoff at 5 min and uses full jitter', async () => {
    const { queue, sent } = setup(
      { random: () => 0.5 },
      Array.from({ length: 12 }, () => fail()),
    )
    push(queue, 1)
    await queue._flush()
    for (let attempt = 0; attempt < 12; attempt++) {
      const delay = 0.5 * Math.min(300_000, 1000 * 2 ** attempt)
      await vi.advanceTimersByTimeAsync(delay - 1)
      expect(sent).toHaveLength(attempt + 1)
      await vi.advanceTimersByTimeAsync(1)
      expect(sent).toHaveLength(attempt + 2)
    }
  })

  it('does not send on size or interval while backing off, but an explicit flush() does', async () => {
    const { queue, sent } = setup({ random: () => 0.99 }, [fail(60_000)])
    push(queue, 1)
    await queue._flush()
    push(queue, 25, 1)
    await vi.advanceTimersByTimeAsync(10_000)
    expect(sent).toHaveLength(1)
    expect(await queue._flush()).toBe(true)
    expect(sent).toHaveLength(2)
    expect(sent[1]!.items).toHaveLength(26)
  })

  it('drops the oldest events past maxQueueSize', async () => {
    const { queue } = setup({ maxQueueSize: 3, flushAt: 100 })
    push(queue, 5)
    expect(queue._items).toEqual(['{"n":2}', '{"n":3}', '{"n":4}'])
  })

  it('drops the oldest events past maxQueueChars (about 1 MB by default)', async () => {
    const { queue } = setup({ maxQueueChars: 20, flushAt: 100 })
    push(queue, 5)
    // Each item is 7 characters: two fit in 20.
    expect(queue._items).toEqual(['{"n":3}', '{"n":4}'])
  })

  it('sends synchronously when the page is hidden, even while a normal flush is in flight', async () => {
    const calls: [string[], boolean | undefined][] = []
    let release!: (outcome: SendOutcome) => void
    const queue = createQueue({
      flushAt: 20,
      flushIntervalMs: 5000,
      maxQueueSize: 1000,
      random: () => 1,
      log: createLogger(),
      send: (items, useBeacon) => {
        calls.push([items, useBeacon])
        return useBeacon ? Promise.resolve(ok()) : new Promise((resolve) => (release = resolve))
      },
    })
    queue._push('a')
    const first = queue._flush()
    await vi.advanceTimersByTimeAsync(0)
    expect(calls).toEqual([[['a'], undefined]])
    queue._push('b')
    void queue._flush(true)
    // No await: the requests must be dispatched within the pagehide handler itself.
    expect(calls).toEqual([
      [['a'], undefined],
      [['b'], true],
    ])
    release(ok())
    expect(await first).toBe(true)
  })

  it('resolves flush() with whether the events it took were delivered', async () => {
    const { queue } = setup({}, [fail()])
    expect(await queue._flush()).toBe(true)
    push(queue, 1)
    expect(await queue._flush()).toBe(false)
    expect(await queue._flush()).toBe(true)
  })
})
