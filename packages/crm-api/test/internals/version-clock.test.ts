import { Worker } from 'node:worker_threads'
import { describe, expect, it } from 'vitest'
import { getVersionClock, nextVersion } from '../../src/db/version-clock.js'

/** Takes `count` versions in a worker thread on the built package's clock module, given `clock`. */
function takeInWorker(clock: SharedArrayBuffer, count: number): Promise<number[]> {
  const feed = new URL('../../dist/feed.js', import.meta.url).href
  const code = `
    const { parentPort, workerData } = require('node:worker_threads')
    import(${JSON.stringify(feed)}).then(({ useVersionClock, nextVersion }) => {
      useVersionClock(workerData.clock)
      parentPort.postMessage(Array.from({ length: workerData.count }, () => nextVersion()))
    })`
  const worker = new Worker(code, { eval: true, workerData: { clock, count } })
  return new Promise((resolve, reject) => worker.once('message', resolve).once('error', reject))
}

describe('the version clock', () => {
  it('keeps versions increasing across threads that share it, even when one ran ahead of the wall clock', async () => {
    const before = nextVersion()
    // 5,000 versions in a burst run thousands of ms ahead of Date.now().
    const taken = await takeInWorker(getVersionClock(), 5000)
    expect(taken[0]).toBeGreaterThan(before)
    expect(taken.every((version, i) => i === 0 || version > taken[i - 1]!)).toBe(true)
    expect(nextVersion()).toBeGreaterThan(taken.at(-1)!)
  })
})
