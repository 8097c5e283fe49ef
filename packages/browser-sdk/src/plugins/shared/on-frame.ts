/** Runs expensive work at most once per animation frame, so scroll handlers stay cheap. */

/** @returns a listener that schedules `callback` for the next frame unless one is pending. */
export function onFrame(win: Window, callback: () => void): () => void {
  let pending = false
  return () => {
    if (pending) return
    pending = true
    win.requestAnimationFrame(() => {
      pending = false
      callback()
    })
  }
}
