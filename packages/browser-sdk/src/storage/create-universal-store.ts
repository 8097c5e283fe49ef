/**
 * Layers stores: reads return the first store's value that is present, writes go to all of them.
 * An id kept in both a cookie and localStorage survives the loss of either (as analytics.js does).
 */
import type { Store } from './store.js'

/** Creates a store over `stores`, in order of preference. */
export function createUniversalStore(stores: Store[]): Store {
  return {
    get(key) {
      for (const store of stores) {
        const value = store.get(key)
        if (value != null) return value
      }
      return null
    },
    set(key, value, maxAgeMs) {
      let ok = false
      for (const store of stores) ok = store.set(key, value, maxAgeMs) || ok
      return ok
    },
    remove(key) {
      for (const store of stores) store.remove(key)
    },
  }
}
