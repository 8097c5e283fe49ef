/** Debug logging: silent unless `debug` is on, so production pages see nothing in the console. */

/** Logs its arguments with a `[rastro]` prefix when debugging is on. */
export type Logger = ((...args: unknown[]) => undefined) & { _on?: boolean }

/** Creates a logger, off by default; switch it with `logger._on = true`. */
export function createLogger(): Logger {
  const log: Logger = (...args) => {
    if (log._on) console.log('[rastro]', ...args)
  }
  return log
}
