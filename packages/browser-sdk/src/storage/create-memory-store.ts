/** The last resort: values live as long as the page, so ids stay stable within it when storage is blocked. */
import type { Store } from './store.js'

/** Creates a store on a `Map`. */
export function createMemoryStore(): Store {
  const map = new Map<string, string>()
  return {
    get: (key) => map.get(key) ?? null,
    set: (key, value) => !!map.set(key, value),
    remove: (key) => void map.delete(key),
  }
}
