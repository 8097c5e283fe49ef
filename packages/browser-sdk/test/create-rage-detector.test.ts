import { describe, expect, it } from 'vitest'
import { createRageDetector } from '../src/plugins/autocapture/create-rage-detector.js'

describe('createRageDetector', () => {
  it('fires on the third click within 1 s and 30 px, once per burst', () => {
    const rage = createRageDetector()
    expect([rage(100, 100, 0), rage(110, 105, 300), rage(95, 120, 600), rage(100, 100, 700)]).toEqual([
      false,
      false,
      true,
      false,
    ])
  })

  it('ignores clicks too slow or too far apart', () => {
    const slow = createRageDetector()
    expect([slow(0, 0, 0), slow(0, 0, 600), slow(0, 0, 1200)]).toEqual([false, false, false])
    const far = createRageDetector()
    expect([far(0, 0, 0), far(40, 0, 100), far(80, 0, 200)]).toEqual([false, false, false])
  })
})
