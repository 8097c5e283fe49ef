/**
 * Storage that waits for consent: values always live in memory, and reach the persistent stores
 * (cookie, localStorage) only while `isAllowed()` says so. In opt-in mode the ids made before the
 * visitor chose stay in memory, and `_sync()` writes them out once consent is given, so the
 * visitor keeps the same anonymous id and session.
 */
import type { Store } from './store.js'

/** A {@link Store} that can copy its in-memory values to the persistent stores. */
export interface GatedStore extends Store {
  /** Writes every in-memory value to the persistent stores (call it when storage becomes allowed). */
  _sync(): void
}

/**
 * Creates a store over `stores` (in order of preference; reads take the first present value,
 * writes go to all), written only while `isAllowed()` is true, with a memory fallback.
 */
export function createGatedStore(stores: Store[], isAllowed: () => boolean): GatedStore {
  const memory = new Map<string, [string, number?]>()
  const read = (key: string) => {
    if (isAllowed())
      for (const store of stores) {
        const value = store.get(key)
        if (value != null) return value
      }
    return null
  }
  const store: GatedStore = {
    get: (key) => read(key) ?? (memory.get(key) || [null])[0],
    set(key, value, maxAgeMs) {
      memory.set(key, [value, maxAgeMs])
      let ok = false
      if (isAllowed()) for (const s of stores) ok = s.set(key, value, maxAgeMs) || ok
      return ok
    },
    remove(key) {
      memory.delete(key)
      for (const s of stores) s.remove(key)
    },
    _sync() {
      memory.forEach(([value, maxAgeMs], key) => store.set(key, value, maxAgeMs))
    },
  }
  return store
}
