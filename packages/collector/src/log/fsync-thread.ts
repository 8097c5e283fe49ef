/**
 * The log's fdatasync on a thread of its own, instead of libuv's pool: the pool also runs every
 * statement of the embedded ClickHouse, and its threads run below the main thread's priority
 * (`util/thread-priorities.ts`), so an acknowledgement waited for a pool thread to be free and
 * then to get a core. This thread stays at the main thread's priority and does nothing else; it
 * tells its Linux thread id through `onThread` so the priorities leave it alone.
 * Measured on 2 cores with `fsync` durability, 2 runs each in alternation: ack p99 at 9k events/s
 * 27-33 → 19-20 ms, at 18k events/s 38-39 → 23-41 ms.
 */
import { Worker } from 'node:worker_threads'

/** The thread's script (CommonJS, run with `eval`): answers `{ id, fd }` with `{ id, error? }`. */
const SCRIPT = `
const { parentPort } = require('node:worker_threads')
const { fdatasyncSync, readlinkSync } = require('node:fs')
let thread
try { thread = Number(readlinkSync('/proc/thread-self').split('/').pop()) } catch {}
parentPort.postMessage({ thread })
parentPort.on('message', ({ id, fd }) => {
  try {
    fdatasyncSync(fd)
    parentPort.postMessage({ id })
  } catch (error) {
    parentPort.postMessage({ id, error: { message: error.message, code: error.code } })
  }
})
`

type Answer = { thread: number | undefined } | { id: number; error?: { message: string; code?: string } }

interface Call {
  resolve(): void
  reject(error: Error): void
}

export class FsyncThread {
  readonly #onThread: (threadId: number) => void
  #worker: Worker | undefined
  readonly #calls = new Map<number, Call>()
  #nextId = 0
  #drained: (() => void)[] = []

  /** @param onThread called with the thread's Linux id once it runs (not called elsewhere). */
  constructor(onThread: (threadId: number) => void = () => {}) {
    this.#onThread = onThread
  }

  /**
   * fdatasync(2) of `fd` on the thread.
   * @throws the file system's error (with its `code`, e.g. `EIO`, `ENOSPC`), or an Error when the
   *   thread stopped.
   */
  fdatasync(fd: number): Promise<void> {
    const worker = (this.#worker ??= this.#start())
    const id = this.#nextId++
    if (this.#calls.size === 0) worker.ref()
    return new Promise((resolve, reject) => {
      this.#calls.set(id, { resolve, reject })
      worker.postMessage({ id, fd })
    })
  }

  #start(): Worker {
    const worker = new Worker(SCRIPT, { eval: true })
    worker.on('message', (answer: Answer) => {
      if (!('id' in answer)) {
        if (answer.thread !== undefined) this.#onThread(answer.thread)
        return
      }
      const call = this.#calls.get(answer.id)
      this.#calls.delete(answer.id)
      if (this.#calls.size === 0) {
        worker.unref()
        for (const resolve of this.#drained.splice(0)) resolve()
      }
      if (!answer.error) call?.resolve()
      else call?.reject(Object.assign(new Error(answer.error.message), { code: answer.error.code }))
    })
    worker.on('error', () => {})
    worker.once('exit', () => {
      if (this.#worker === worker) this.#worker = undefined
      for (const call of this.#calls.values()) call.reject(new Error('the log fsync thread stopped'))
      this.#calls.clear()
      for (const resolve of this.#drained.splice(0)) resolve()
    })
    return worker
  }

  /** Stops the thread once the calls in flight are answered. */
  async close(): Promise<void> {
    while (this.#calls.size > 0) await new Promise<void>((resolve) => this.#drained.push(resolve))
    const worker = this.#worker
    this.#worker = undefined
    if (worker) await worker.terminate()
  }
}
