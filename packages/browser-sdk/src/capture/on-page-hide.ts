/**
 * The last moment to send: `visibilitychange` to hidden (tab switch, app switch on mobile, often
 * the last event a mobile page gets) and `pagehide` (navigation, close). Never `unload` or
 * `beforeunload`: they are unreliable and keep the page out of the back/forward cache
 * (https://web.dev/articles/bfcache#never-use-the-unload-event).
 */

/** Calls `callback` whenever the page is hidden or being left. */
export function onPageHide(win: Window, callback: () => void): void {
  win.addEventListener('pagehide', callback)
  win.document.addEventListener('visibilitychange', () => {
    if (win.document.visibilityState === 'hidden') callback()
  })
}
