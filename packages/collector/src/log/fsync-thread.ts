/**
 * The log's fdatasync on a thread of its own, instead of libuv's pool: the pool also runs every
 * statement of the embedded ClickHouse, and its threads run below the main thread's priority
 * (`util/thread-priorities.ts`), so an acknowledgement waited for a pool thread to be free and
 * then to get a core. This thread stays at the main thread's priority and does nothing else; it
 * tells its Linux thread id through `onThread` so the priorities leave it alone.
 * Measured on 2 cores with `fsync` durability, 2 runs each in alternation: ack p99 at 9k events/s
 * 27-33 → 19-20 ms, at 18k events/s 38-39 → 23-41 ms; with the shared-memory calls below, 15-17
 * and 20 ms.
 *
 * A call crosses threads through shared memory (`Atomics.notify`, `Atomics.waitAsync`), not
 * `postMessage`: with one message per group commit, `postMessage` took 3.6% of the main thread
 * under single-event requests (profiled).
 */
import { getSystemErrorName } from 'node:util'
import { Worker } from 'node:worker_threads'

/** Slots of the shared `Int32Array`. */
const REQUEST = 0 // number of the last call made; -1 tells the thread to end
const FD = 1 // the call's file descriptor
const DONE = 2 // number of the last call answered
const ERRNO = 3 // the answered call's errno (negative, libuv's), 0 when it succeeded

/** The thread's script (CommonJS, run with `eval`). */
const SCRIPT = `
const { parentPort, workerData } = require('node:worker_threads')
const { fdatasyncSync, readlinkSync } = require('node:fs')
const shared = new Int32Array(workerData)
let thread
try { thread = Number(readlinkSync('/proc/thread-self').split('/').pop()) } catch {}
parentPort.postMessage(thread)
for (let seen = 0; ; ) {
  Atomics.wait(shared, ${REQUEST}, seen)
  seen = Atomics.load(shared, ${REQUEST})
  if (seen < 0) break
  let errno = 0
  try {
    fdatasyncSync(Atomics.load(shared, ${FD}))
  } catch (error) {
    errno = typeof error.errno === 'number' ? error.errno : -5
  }
  Atomics.store(shared, ${ERRNO}, errno)
  Atomics.store(shared, ${DONE}, seen)
  Atomics.notify(shared, ${DONE})
}
`

export class FsyncThread {
  readonly #onThread: (threadId: number) => void
  readonly #shared = new Int32Array(new SharedArrayBuffer(4 * Int32Array.BYTES_PER_ELEMENT))
  #worker: Worker | undefined
  /** The last call, so calls run one at a time. */
  #last: Promise<void> = Promise.resolve()

  /** @param onThread called with the thread's Linux id once it runs (not called elsewhere). */
  constructor(onThread: (threadId: number) => void = () => {}) {
    this.#onThread = onThread
  }

  /**
   * fdatasync(2) of `fd` on the thread; calls run one after the other.
   * @throws Error with the file system's `code` (e.g. `EIO`, `ENOSPC`), or without one when the
   *   thread stopped.
   */
  fdatasync(fd: number): Promise<void> {
    const call = this.#last.then(
      () => this.#call(fd),
      () => this.#call(fd),
    )
    this.#last = call
    return call
  }

  async #call(fd: number): Promise<void> {
    const worker = (this.#worker ??= this.#start())
    const shared = this.#shared
    const request = Atomics.load(shared, REQUEST) + 1
    Atomics.store(shared, FD, fd)
    Atomics.store(shared, REQUEST, request)
    Atomics.notify(shared, REQUEST)
    // Referenced while a call waits, so the process does not end before it is answered.
    worker.ref()
    try {
      for (let done = Atomics.load(shared, DONE); done !== request; done = Atomics.load(shared, DONE)) {
        if (this.#worker !== worker) throw new Error('the log fsync thread stopped')
        const wait = Atomics.waitAsync(shared, DONE, done)
        if (wait.async) await wait.value
      }
    } finally {
      worker.unref()
    }
    const errno = Atomics.load(shared, ERRNO)
    if (errno !== 0) {
      const code = getSystemErrorName(errno)
      throw Object.assign(new Error(`${code}: fdatasync failed`), { code, errno, syscall: 'fdatasync' })
    }
  }

  #start(): Worker {
    Atomics.store(this.#shared, REQUEST, 0)
    Atomics.store(this.#shared, DONE, 0)
    const worker = new Worker(SCRIPT, { eval: true, workerData: this.#shared.buffer })
    worker.once('message', (threadId: number | undefined) => {
      if (threadId !== undefined) this.#onThread(threadId)
    })
    worker.on('error', () => {})
    worker.once('exit', () => {
      if (this.#worker !== worker) return
      this.#worker = undefined
      // Wakes a call waiting for the answer (it sees the thread gone and throws).
      Atomics.store(this.#shared, DONE, -1)
      Atomics.notify(this.#shared, DONE)
    })
    worker.unref()
    return worker
  }

  /** Ends the thread once the calls made before are answered. */
  async close(): Promise<void> {
    await this.#last.catch(() => {})
    const worker = this.#worker
    if (!worker) return
    this.#worker = undefined
    const exited = new Promise((resolve) => worker.once('exit', resolve))
    Atomics.store(this.#shared, REQUEST, -1)
    Atomics.notify(this.#shared, REQUEST)
    await exited
  }
}
