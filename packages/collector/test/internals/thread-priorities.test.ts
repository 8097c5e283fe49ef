/**
 * ThreadPriorities on this process's real threads (Linux): every thread but the calling one ends
 * at the nice value at the second pass that finds it, a thread started later is lowered by the
 * timer's passes, and the calling thread and a kept thread keep their own.
 */
import { readdirSync, readFileSync } from 'node:fs'
import { Worker } from 'node:worker_threads'
import { afterAll, describe, expect, it } from 'vitest'
import { ThreadPriorities } from '../../src/util/thread-priorities.js'

/** Nice value of each thread of this process, by thread id (`/proc/self/task/<tid>/stat`, field 19). */
function readNiceValues(): Map<number, number> {
  const values = new Map<number, number>()
  for (const name of readdirSync('/proc/self/task')) {
    try {
      const fields = readFileSync(`/proc/self/task/${name}/stat`, 'utf8').split(') ')[1]!.split(' ')
      values.set(Number(name), Number(fields[16]))
    } catch {
      // ended meanwhile
    }
  }
  return values
}

const calling = Number(readFileSync('/proc/self/stat', 'utf8').split(' ')[0])
const workers: Worker[] = []
afterAll(async () => {
  await Promise.all(workers.map((worker) => worker.terminate()))
})

function startWorker(): Promise<void> {
  const worker = new Worker('setInterval(() => {}, 1000)', { eval: true })
  workers.push(worker)
  return new Promise((resolve) => worker.once('online', () => resolve()))
}

describe('ThreadPriorities', () => {
  it('lowers every other thread, now and as they start, and leaves the calling one', async () => {
    expect(readFileSync('/proc/thread-self/stat', 'utf8').split(' ')[0]).toBe(String(calling))
    const before = readNiceValues().get(calling)
    const priorities = new ThreadPriorities(7)
    await startWorker()
    expect(priorities.apply()).toBe(0)
    expect(priorities.apply()).toBeGreaterThan(0)
    let values = readNiceValues()
    expect(values.get(calling)).toBe(before)
    for (const [thread, nice] of values) if (thread !== calling) expect(nice, `thread ${thread}`).toBe(7)
    expect(priorities.apply()).toBe(0)

    const known = new Set(values.keys())
    priorities.start(20)
    await startWorker()
    await new Promise((resolve) => setTimeout(resolve, 200))
    priorities.stop()
    values = readNiceValues()
    const started = [...values.keys()].filter((thread) => !known.has(thread))
    expect(started.length).toBeGreaterThan(0)
    for (const thread of started) expect(values.get(thread), `thread ${thread}`).toBe(7)
    expect(values.get(calling)).toBe(before)
  })

  it('leaves a kept thread at its priority', async () => {
    const priorities = new ThreadPriorities(9)
    const known = new Set(readNiceValues().keys())
    await startWorker()
    const [kept] = [...readNiceValues().keys()].filter((thread) => !known.has(thread))
    priorities.keep(kept!)
    priorities.apply()
    priorities.apply()
    const values = readNiceValues()
    expect(values.get(kept!)).toBe(0)
    expect(values.get(calling)).toBe(0)
    for (const [thread, nice] of values) if (thread !== calling && thread !== kept) expect(nice).toBe(9)
  })

  it('leaves every thread as it is with nice 0', async () => {
    await startWorker()
    const before = readNiceValues()
    expect(new ThreadPriorities(0).apply()).toBe(0)
    const after = readNiceValues()
    for (const [thread, nice] of before) if (after.has(thread)) expect(after.get(thread)).toBe(nice)
  })
})
