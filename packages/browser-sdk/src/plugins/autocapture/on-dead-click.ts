/**
 * Dead clicks: a click on a button-like element after which, for 500 ms (Mixpanel's window), the
 * page did not change: no DOM mutation, no scroll, no form submission, no URL change, no hiding.
 */

/** How long a click has to change something (ms). */
export const DEAD_CLICK_MS = 500

/** Whether a click is being watched: one at a time, so fast clicking never stacks observers. */
let watching = false

/**
 * Watches the page for 500 ms after a click, then calls `onDead` if nothing changed. A click
 * while another is watched is not watched (it would see the same page).
 */
export function onDeadClick(win: Window, onDead: () => void): void {
  if (watching) return
  watching = true
  const doc = win.document
  const href = win.location.href
  let changed = false
  const mark = () => (changed = true)
  const observer = new (win as unknown as typeof globalThis).MutationObserver(mark)
  observer.observe(doc, { subtree: true, childList: true, attributes: true, characterData: true })
  const types = ['scroll', 'submit', 'pagehide', 'hashchange', 'popstate']
  for (const type of types) win.addEventListener(type, mark, true)
  win.setTimeout(() => {
    watching = false
    observer.disconnect()
    for (const type of types) win.removeEventListener(type, mark, true)
    if (!changed && win.location.href == href && doc.visibilityState != 'hidden') onDead()
  }, DEAD_CLICK_MS)
}
