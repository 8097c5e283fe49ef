/** `localStorage`, which throws in some privacy modes and sandboxed iframes: every access is guarded. */
import type { Store } from './store.js'

/** Creates a store on the window's `localStorage`. */
export function createLocalStore(win: Window): Store {
  return {
    get(key) {
      try {
        return win.localStorage.getItem(key)
      } catch {
        return null
      }
    },
    set(key, value) {
      try {
        win.localStorage.setItem(key, value)
        return true
      } catch {
        return false
      }
    },
    remove(key) {
      try {
        win.localStorage.removeItem(key)
      } catch {
        // storage blocked: nothing to remove
      }
    },
  }
}
