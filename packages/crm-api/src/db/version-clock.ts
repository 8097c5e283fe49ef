/**
 * Versions of the CRM's replaced rows (identity re-points, score states): epoch ms, strictly
 * increasing across every thread that shares the clock, so a later write always wins its
 * `ReplacingMergeTree(version)` row. The collector runs the event feed in a worker thread and
 * the API on the main one; both write identities and scores of a tenant (one at a time, through
 * the tenant's single writer), so both take versions from one clock in shared memory.
 */

/** The last version handed out (epoch ms), in memory a worker can share. */
let last = new BigInt64Array(new SharedArrayBuffer(8))

/** The clock's memory, for a worker thread to {@link useVersionClock} it. */
export function getVersionClock(): SharedArrayBuffer {
  return last.buffer as SharedArrayBuffer
}

/** Takes versions from `clock` (another thread's {@link getVersionClock}) from now on. */
export function useVersionClock(clock: SharedArrayBuffer): void {
  last = new BigInt64Array(clock)
}

/** The next version: the current epoch ms, or one more than the last version when that is later. */
export function nextVersion(): number {
  for (;;) {
    const previous = Atomics.load(last, 0)
    const now = BigInt(Date.now())
    const next = now > previous ? now : previous + 1n
    if (Atomics.compareExchange(last, 0, previous, next) === previous) return Number(next)
  }
}
