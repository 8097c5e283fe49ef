import { describe, expect, it } from 'vitest'
import { getAckedThrough, isStored } from '../../src/ingest/device/seq-ledger.js'

describe('getAckedThrough', () => {
  it('follows contiguous and overlapping ranges from the first seq, in any order', () => {
    const ranges = [
      { seqFirst: 20, seqLast: 29 },
      { seqFirst: 0, seqLast: 9 },
      { seqFirst: 5, seqLast: 19 },
      { seqFirst: 31, seqLast: 40 },
    ]
    expect(getAckedThrough(ranges, 0)).toBe(29) // 30 is missing
    expect(getAckedThrough(ranges, 31)).toBe(40)
    expect(getAckedThrough(ranges, 30)).toBe(29) // nothing from 30: one less than it
    expect(getAckedThrough([], 7)).toBe(6)
  })

  it('tells stored seqs from the others', () => {
    const ranges = [{ seqFirst: 5, seqLast: 9 }]
    expect([4, 5, 9, 10].map((seq) => isStored(ranges, seq))).toEqual([false, true, true, false])
  })
})
