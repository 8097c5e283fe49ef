import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { toClickHouseTime } from '../../src/ingest/to-clickhouse-time.js'

const byDate = (ms: number) => new Date(ms).toISOString().slice(0, 23).replace('T', ' ')

describe('toClickHouseTime', () => {
  it("writes any time as Date's ISO text does, leap days and years' edges included", () => {
    const edges = [
      0,
      -1,
      Date.UTC(1900, 0, 1),
      Date.UTC(1900, 1, 28, 23, 59, 59, 999),
      Date.UTC(2000, 1, 29, 12),
      Date.UTC(2024, 11, 31, 23, 59, 59, 999),
      Date.UTC(2095, 11, 31, 23, 59, 59, 999),
      Date.UTC(1000, 0, 1),
      Date.UTC(999, 11, 31, 23, 59, 59, 999),
      Date.UTC(9999, 11, 31, 23, 59, 59, 999),
      Date.UTC(10_000, 0, 1),
      1.5,
      -1.5,
    ]
    for (const ms of edges) expect(toClickHouseTime(ms), String(ms)).toBe(byDate(ms))
    fc.assert(
      fc.property(fc.integer({ min: -62_198_755_200_000, max: 253_402_300_799_999 }), (ms) => {
        expect(toClickHouseTime(ms)).toBe(byDate(ms))
      }),
      { numRuns: 20_000 },
    )
  })
})
