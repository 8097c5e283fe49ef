/**
 * First-party cookies on the page's own host, `Path=/; SameSite=Lax`, plus `Secure` on https.
 * A write is read back, because browsers with cookies disabled ignore it silently.
 */
import type { Store } from './store.js'

/** Default cookie lifetime: 1 year (ms). */
const YEAR_MS = 365 * 24 * 3600 * 1000

/** Creates a store on `document.cookie`. */
export function createCookieStore(doc: Document, secure: boolean): Store {
  const store: Store = {
    get(key) {
      try {
        const match = doc.cookie.match(new RegExp('(?:^|; )' + key + '=([^;]*)'))
        return match ? decodeURIComponent(match[1]!) : null
      } catch {
        return null
      }
    },
    set(key, value, maxAgeMs = YEAR_MS) {
      try {
        doc.cookie =
          key +
          '=' +
          encodeURIComponent(value) +
          '; Max-Age=' +
          Math.round(maxAgeMs / 1000) +
          '; Path=/; SameSite=Lax' +
          (secure ? '; Secure' : '')
      } catch {
        return false
      }
      return store.get(key) === value
    },
    remove(key) {
      store.set(key, '', 0)
    },
  }
  return store
}
