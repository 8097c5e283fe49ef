import type { FastifyBaseLogger } from 'fastify'

/** One part of the collector to close: its name in the logs, and how to close it. */
export interface ClosingStep {
  name: string
  close(): Promise<void> | void
}

/**
 * Closes `steps` one after another, in the given order. A step still running after `warnAfterMs`
 * (ms) is logged as a warning naming it, and again every `warnAfterMs` until it ends, so a stop that
 * hangs (SIGTERM answered by nothing) says which part holds it.
 *
 * @throws the first error a step throws; the steps after it are not run.
 */
export async function closeInOrder(
  steps: readonly ClosingStep[],
  log: Pick<FastifyBaseLogger, 'warn'>,
  warnAfterMs = 5_000,
): Promise<void> {
  for (const step of steps) {
    const startedAt = Date.now()
    const timer = setInterval(
      () => log.warn({ step: step.name, waitingMs: Date.now() - startedAt }, 'shutdown: still closing'),
      warnAfterMs,
    )
    timer.unref()
    try {
      await step.close()
    } finally {
      clearInterval(timer)
    }
  }
}
