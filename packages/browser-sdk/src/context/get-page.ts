/** Page fields of `context.page` and of a page call's `properties`, as analytics.js sends them. */
import type { PageContext } from '@rastro/schema/types'

/**
 * Reads the current page. `referrer` is `document.referrer` on the first page and the previous
 * URL after an SPA navigation (the caller tracks it).
 */
export function getPage(win: Window, referrer: string): Required<PageContext> {
  const { href, pathname, search } = win.location
  return { url: href, path: pathname, referrer, title: win.document.title, search }
}
