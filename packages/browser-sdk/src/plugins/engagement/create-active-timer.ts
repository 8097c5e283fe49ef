/**
 * Active time: time the page was visible and the visitor did something (moved, scrolled, typed,
 * touched) less than {@link IDLE_MS} ago. Pure arithmetic on timestamps, so the listeners that
 * feed it stay cheap.
 */

/** Without input for this long, the visitor is idle and active time stops (ms). */
export const IDLE_MS = 5_000

export interface ActiveTimer {
  /** The visitor did something at `t` (ms), or the page became visible. */
  _active(t: number): void
  /** The page was hidden at `t` (ms): time stops until the next `_active`. */
  _hidden(t: number): void
  /** Active time up to `t` (ms). */
  _get(t: number): number
}

/** Starts a timer at `t` (ms) for a page that is visible or not. */
export function createActiveTimer(t: number, visible: boolean): ActiveTimer {
  let total = 0
  let last: number | undefined = visible ? t : undefined
  const add = (t: number) => (last == null ? 0 : Math.max(0, Math.min(t - last, IDLE_MS)))
  return {
    _active(t) {
      total += add(t)
      last = t
    },
    _hidden(t) {
      total += add(t)
      last = undefined
    },
    _get: (t) => total + add(t),
  }
}
