/**
 * SPA navigations: wraps `history.pushState`/`replaceState` and listens to `popstate` and
 * `hashchange`, then calls back once per change of path, query or hash route (`#/…`, `#!/…`,
 * as hash routers write them). Other hashes are in-page anchors, not page views. A
 * `replaceState` that only rewrites state or an anchor, a router re-pushing the same URL, and the
 * `popstate` + `hashchange` pair of one back/forward never produce a second page view for one
 * URL (see Plausible's duplicate page view bugs #58, #18, #2203).
 */

/** Called with the URL that was left, after the new URL is in `location`. */
export type NavigationCallback = (previousUrl: string) => void

/** The hash when it is a route (`#/products/42`, `#!/products/42`, as hash routers write them), else `''`. */
export function getHashRoute(hash: string): string {
  return /^#!?\//.test(hash) ? hash : ''
}

/** The part of a URL whose change counts as a new page: path, query and a hash route. */
export function getPageKey(location: Location): string {
  return location.pathname + location.search + getHashRoute(location.hash)
}

/** Starts watching `win`'s history for URL changes. */
export function onNavigation(win: Window, callback: NavigationCallback): void {
  const { history, location } = win
  let key = getPageKey(location)
  let url = location.href
  const check = () => {
    try {
      const next = getPageKey(location)
      if (next !== key) {
        const previousUrl = url
        key = next
        url = location.href
        callback(previousUrl)
      }
    } catch {
      // never break the host page's navigation
    }
  }
  for (const method of ['pushState', 'replaceState'] as const) {
    const original = history[method]
    history[method] = function (this: History, ...args: Parameters<History['pushState']>) {
      const result = original.apply(this, args)
      check()
      return result
    }
  }
  win.addEventListener('popstate', check)
  win.addEventListener('hashchange', check)
}
