import type { ClickHouseClient } from '@clickhouse/client'
import { describe, expect, it } from 'vitest'
import { StoredWatermark } from '../../src/store/stored-watermark.js'

/** A watermark over a log and a writer the test moves, on a clock it moves. */
function createWatermark() {
  const state = { now: 1_000, end: 0, position: 0 }
  const watermark = new StoredWatermark({
    // storedThrough() reads no ClickHouse; only start() and stop() publish.
    client: undefined as unknown as ClickHouseClient,
    log: {
      id: 'test-log',
      get readableEnd() {
        return state.end
      },
    },
    processedPosition: () => state.position,
    logger: { warn: () => undefined, info: () => undefined },
    now: () => state.now,
  })
  return { state, watermark }
}

describe('StoredWatermark', () => {
  it('knows nothing stored while the records a previous run left are not inserted', () => {
    const { state, watermark } = createWatermark()
    state.end = 500
    expect(watermark.storedThrough()).toBe(0)
    state.now = 2_000
    state.position = 400
    expect(watermark.storedThrough()).toBe(0)
  })

  it('is the time the log ended where the writer has passed, not later', () => {
    const { state, watermark } = createWatermark()
    state.end = 100
    watermark.storedThrough() // noted: at 1,000 the log ended at 100
    state.now = 2_000
    state.end = 250
    watermark.storedThrough() // at 2,000, at 250
    state.now = 3_000
    state.end = 300
    state.position = 250
    // Everything acknowledged before 2,000 is in; what came at 2,000-3,000 (250-300) is not.
    expect(watermark.storedThrough()).toBe(2_000)
    state.now = 4_000
    state.position = 260
    expect(watermark.storedThrough()).toBe(2_000)
  })

  it('moves with the clock while the writer keeps up, busy or idle', () => {
    const { state, watermark } = createWatermark()
    for (const [now, end] of [
      [1_000, 100],
      [2_000, 100],
      [3_000, 900],
    ] as const) {
      state.now = now
      state.end = end
      state.position = end
      expect(watermark.storedThrough()).toBe(now)
    }
  })
})
