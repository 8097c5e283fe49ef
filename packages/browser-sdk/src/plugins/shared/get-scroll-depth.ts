/** How far down the page the visitor has seen, shared by engagement and the scroll milestones. */

/**
 * The bottom of the viewport as a percentage of the page's height: 0–100 (integer). A page no
 * taller than the viewport is 100. Reads layout, so callers run it at most once per frame.
 */
export function getScrollDepth(win: Window): number {
  const root = win.document.documentElement
  const height = root.scrollHeight
  return height > 0 ? Math.min(100, Math.round(((win.scrollY + win.innerHeight) / height) * 100)) : 100
}
