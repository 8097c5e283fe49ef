import type { FastifyBaseLogger } from 'fastify'

/** One part of the collector to close: its name in the logs, and how to close it. */
export interface ClosingStep {
  name: string
  close(): Promise<void> | void
}

/**
 * Names the part a stop waits on. From {@link begin} to {@link end}, every `warnAfterMs` (ms) it
 * logs a warning with the phase the stop is in and how long that phase has lasted, so a stop that
 * hangs (SIGTERM answered by nothing) says which part holds it: Fastify's own phases (the hooks
 * before the HTTP server closes, the requests still in flight, the plugins' close hooks) as much
 * as the collector's own steps.
 */
export class ShutdownWatch {
  readonly #log: Pick<FastifyBaseLogger, 'warn'>
  readonly #warnAfterMs: number
  #phase = ''
  #phaseStartedAt = 0
  #timer: NodeJS.Timeout | undefined

  constructor(log: Pick<FastifyBaseLogger, 'warn'>, warnAfterMs = 5_000) {
    this.#log = log
    this.#warnAfterMs = warnAfterMs
  }

  /** Starts watching, in `phase`. */
  begin(phase: string): void {
    this.enter(phase)
    this.#timer ??= setInterval(
      () =>
        this.#log.warn(
          { step: this.#phase, waitingMs: Date.now() - this.#phaseStartedAt },
          'shutdown: still closing',
        ),
      this.#warnAfterMs,
    )
    this.#timer.unref()
  }

  /** The stop is now in `phase`. */
  enter(phase: string): void {
    this.#phase = phase
    this.#phaseStartedAt = Date.now()
  }

  /**
   * Closes `steps` one after another, in the given order, each its own phase.
   * @throws the first error a step throws; the steps after it are not run.
   */
  async closeInOrder(steps: readonly ClosingStep[]): Promise<void> {
    for (const step of steps) {
      this.enter(step.name)
      await step.close()
    }
  }

  /** Stops watching: the stop is done. */
  end(): void {
    clearInterval(this.#timer)
    this.#timer = undefined
  }
}
