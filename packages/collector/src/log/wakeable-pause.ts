/**
 * A log consumer's wait (a poll, a gather, a backoff) that `wake()` ends early, so a consumer that
 * is closed stops at once instead of waiting its wait out.
 */
export class WakeablePause {
  #wake: (() => void) | undefined

  /** Resolves after `ms` (ms), or at `wake()`, whichever comes first. */
  sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(resolve, ms)
      this.#wake = () => {
        clearTimeout(timer)
        resolve()
      }
    })
  }

  /** Ends the current sleep now (nothing when none is running). */
  wake(): void {
    this.#wake?.()
  }
}
