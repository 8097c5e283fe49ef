import { describe, expect, it } from 'vitest'
import { ShutdownWatch } from '../../src/util/shutdown-watch.js'

/** A logger that keeps its warnings as pino writes them (the fields, and the message as `msg`). */
function recordingLogger() {
  const lines: Record<string, unknown>[] = []
  const log = { warn: (fields: object, msg: string) => void lines.push({ ...fields, msg }) }
  return { log: log as ConstructorParameters<typeof ShutdownWatch>[0], lines }
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))

describe('ShutdownWatch', () => {
  it('closes the steps one after another and names the phase still running, until the end', async () => {
    const { log, lines } = recordingLogger()
    const watch = new ShutdownWatch(log, 50)
    const order: string[] = []
    watch.begin('in-flight requests')
    await sleep(200)
    await watch.closeInOrder([
      { name: 'fast', close: () => void order.push('fast') },
      {
        name: 'slow',
        close: async () => {
          order.push('slow started')
          await sleep(300)
          order.push('slow ended')
        },
      },
      { name: 'last', close: () => void order.push('last') },
    ])
    watch.enter('plugins')
    watch.end()
    await sleep(120)
    expect(order).toEqual(['fast', 'slow started', 'slow ended', 'last'])
    // Every 50 ms: the phase then, never one that was over by then, and nothing after the end.
    expect(lines.every((line) => line.msg === 'shutdown: still closing')).toBe(true)
    expect(lines.map((line) => line.step).join()).toMatch(/^(in-flight requests,)+(slow,)*slow$/)
    expect(lines.at(-1)!.waitingMs).toBeGreaterThanOrEqual(100)
  })

  it('stops at the first step that throws', async () => {
    const { log } = recordingLogger()
    const watch = new ShutdownWatch(log, 1000)
    const closed: string[] = []
    watch.begin('steps')
    await expect(
      watch.closeInOrder([
        { name: 'broken', close: () => Promise.reject(new Error('disk gone')) },
        { name: 'after', close: () => void closed.push('after') },
      ]),
    ).rejects.toThrow('disk gone')
    watch.end()
    expect(closed).toEqual([])
  })
})
