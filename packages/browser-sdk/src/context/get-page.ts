/** Page fields of `context.page` and of a page call's `properties`, as analytics.js sends them. */
import type { PageContext } from '@rastro/schema/types'
import { getHashRoute } from '../capture/on-navigation.js'

/**
 * Reads the current page. `referrer` is `document.referrer` on the first page and the previous
 * URL after an SPA navigation (the caller tracks it). On a hash-routed app the route is part of
 * `path` (`/#/products/42`, without the route's own query), as Plausible's hash mode reports it:
 * each route is a page of its own in the reports, not all of them `/`.
 */
export function getPage(win: Window, referrer: string): Required<PageContext> {
  const { href, pathname, search } = win.location
  const route = getHashRoute(win.location.hash).split('?')[0]!
  return { url: href, path: pathname + route, referrer, title: win.document.title, search }
}
