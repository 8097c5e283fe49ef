import { describe, expect, it } from 'vitest'
import { closeInOrder } from '../../src/util/close-in-order.js'

/** A logger that keeps its warnings as pino writes them (the fields, and the message as `msg`). */
function recordingLogger() {
  const lines: Record<string, unknown>[] = []
  const log = { warn: (fields: object, msg: string) => void lines.push({ ...fields, msg }) }
  return { log: log as Parameters<typeof closeInOrder>[1], lines }
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))

describe('closeInOrder', () => {
  it('closes the steps one after another and names the one still running', async () => {
    const { log, lines } = recordingLogger()
    const order: string[] = []
    await closeInOrder(
      [
        { name: 'fast', close: () => void order.push('fast') },
        {
          name: 'slow',
          close: async () => {
            order.push('slow started')
            await sleep(130)
            order.push('slow ended')
          },
        },
        { name: 'last', close: () => void order.push('last') },
      ],
      log,
      50,
    )
    expect(order).toEqual(['fast', 'slow started', 'slow ended', 'last'])
    expect(lines.map((line) => [line.step, line.msg])).toEqual([
      ['slow', 'shutdown: still closing'],
      ['slow', 'shutdown: still closing'],
    ])
    expect(lines[1]!.waitingMs).toBeGreaterThanOrEqual(100)
  })

  it('stops at the first step that throws, and warns no more', async () => {
    const { log, lines } = recordingLogger()
    const closed: string[] = []
    await expect(
      closeInOrder(
        [
          { name: 'broken', close: () => Promise.reject(new Error('disk gone')) },
          { name: 'after', close: () => void closed.push('after') },
        ],
        log,
        20,
      ),
    ).rejects.toThrow('disk gone')
    await sleep(60)
    expect(closed).toEqual([])
    expect(lines).toEqual([])
  })
})
