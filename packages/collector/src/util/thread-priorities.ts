/**
 * Keeps every thread of this process but the one that acknowledges ingest at a lower CPU priority
 * (a higher nice value), so when they compete for a core the acks go first: libuv's pool, where
 * the embedded ClickHouse parses each insert; the engine's own threads (merges, its pools); the CRM
 * feed's worker; V8's helpers. The work of those threads waits in the log meanwhile, which is what
 * the log is for. Measured on 2 cores at 9k events/s: ack p99 31 → 13-15 ms (`os`); at 18k events/s
 * with `fsync`, p50 / p99 15.8 / 171 → 1.8 / 32 ms.
 *
 * On Linux a nice value belongs to a thread (setpriority(2), "BUGS": under NPTL it is a per-thread
 * attribute, and a new thread inherits its creator's): {@link ThreadPriorities.apply}, run every
 * second, lowers each thread of `/proc/self/task` that the pass before found too, which leaves a new
 * thread that must keep the main thread's priority (the log's fdatasync thread) a pass to say so
 * ({@link ThreadPriorities.keep}): lowering needs no privilege, raising back does. Elsewhere (no
 * `/proc`), it does nothing.
 */
import { readdirSync, readlinkSync } from 'node:fs'
import { getPriority, setPriority } from 'node:os'

export class ThreadPriorities {
  readonly #nice: number
  /** The calling thread (its Linux TID), or undefined off Linux. */
  readonly #main: number | undefined
  /** Threads that stay at their priority (TIDs). */
  readonly #kept = new Set<number>()
  /** Threads found by the last pass and not lowered yet (TIDs). */
  #found = new Set<number>()
  /** Threads already lowered (TIDs), so a pass makes no system call for them. */
  #lowered = new Set<number>()
  #timer: NodeJS.Timeout | undefined

  /** @param nice the nice value of the other threads (0-19; 0 leaves them as they are). */
  constructor(nice: number) {
    this.#nice = nice
    this.#main = readThreadId()
  }

  /** Leaves `threadId` (a Linux TID) at its priority, if no pass has lowered it yet. */
  keep(threadId: number): void {
    this.#kept.add(threadId)
  }

  /** Lowers the threads the last pass found; returns how many it lowered. Never throws. */
  apply(): number {
    if (this.#main === undefined || this.#nice === 0) return 0
    let threads: string[]
    try {
      threads = readdirSync('/proc/self/task')
    } catch {
      return 0
    }
    const lowered = new Set<number>()
    const found = new Set<number>()
    let count = 0
    for (const name of threads) {
      const thread = Number(name)
      if (thread === this.#main || this.#kept.has(thread)) continue
      if (this.#lowered.has(thread)) {
        lowered.add(thread)
        continue
      }
      if (!this.#found.has(thread)) {
        found.add(thread)
        continue
      }
      try {
        if (getPriority(thread) < this.#nice) {
          setPriority(thread, this.#nice)
          count++
        }
        lowered.add(thread)
      } catch {
        // The thread ended since the directory was read.
      }
    }
    // Threads that ended are forgotten, so a reused id is lowered again.
    for (const thread of this.#kept) if (!threads.includes(String(thread))) this.#kept.delete(thread)
    this.#lowered = lowered
    this.#found = found
    return count
  }

  /** Applies now, then every `intervalMs` (ms) until {@link stop}; the timer keeps no process alive. */
  start(intervalMs = 1000): void {
    this.apply()
    if (this.#main === undefined || this.#nice === 0) return
    this.#timer = setInterval(() => this.apply(), intervalMs)
    this.#timer.unref()
  }

  stop(): void {
    clearInterval(this.#timer)
  }
}

/** The calling thread's id (`/proc/thread-self` → `<pid>/task/<tid>`), or undefined off Linux. */
function readThreadId(): number | undefined {
  try {
    return Number(readlinkSync('/proc/thread-self').split('/').at(-1))
  } catch {
    return undefined
  }
}
