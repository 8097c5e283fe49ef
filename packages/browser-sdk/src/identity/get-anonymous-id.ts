/** The anonymous id: a random UUID kept in the `rastro_aid` cookie (1 year) and localStorage. */
import type { Store } from '../storage/store.js'
import { createUuid } from '../util/create-uuid.js'

/** Storage key (cookie name and localStorage key) of the anonymous id. */
export const ANONYMOUS_ID_KEY = 'rastro_aid'

/** Returns the stored anonymous id, or creates and stores a new one. */
export function getAnonymousId(store: Store, createId: () => string = createUuid): string {
  let id = store.get(ANONYMOUS_ID_KEY)
  if (!id) store.set(ANONYMOUS_ID_KEY, (id = createId()))
  return id
}
