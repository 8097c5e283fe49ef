/** Hash routes (`#/contacts/c_1`): the collector serves one index.html, no server-side fallback needed. */
import { useEffect, useState } from 'preact/hooks'

/** The current route's path segments, e.g. `['contacts', 'c_1']`. */
export function useRoute(): string[] {
  const read = () => location.hash.replace(/^#\/?/, '').split('/').filter(Boolean).map(decodeURIComponent)
  const [route, setRoute] = useState(read)
  useEffect(() => {
    const onChange = () => setRoute(read())
    window.addEventListener('hashchange', onChange)
    return () => window.removeEventListener('hashchange', onChange)
  }, [])
  return route
}

export function href(...segments: string[]): string {
  return `#/${segments.map(encodeURIComponent).join('/')}`
}
