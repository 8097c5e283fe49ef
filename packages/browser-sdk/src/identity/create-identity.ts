/**
 * Who the visitor is: the anonymous id (cookie + localStorage), and after `identify()` the user id
 * and traits (localStorage only). Values are read from storage on each call, so tabs agree.
 */
import type { JsonObject } from '@rastro/schema/types'
import type { Store } from '../storage/store.js'
import { ANONYMOUS_ID_KEY, getAnonymousId } from './get-anonymous-id.js'

const USER_ID_KEY = 'rastro_uid'
const TRAITS_KEY = 'rastro_traits'

export interface Identity {
  _anonymousId(): string
  _userId(): string | null
  /** Stores the user id (unless null/undefined) and merges the traits; returns all traits. */
  _identify(userId: string | null | undefined, traits: JsonObject | undefined): JsonObject
  /** Forgets user id and traits and makes a new anonymous id. */
  _reset(): void
}

/** Creates the identity over `idStore` (anonymous id) and `userStore` (user id, traits). */
export function createIdentity(idStore: Store, userStore: Store): Identity {
  const getTraits = (): JsonObject => {
    try {
      return JSON.parse(userStore.get(TRAITS_KEY)!) || {}
    } catch {
      return {}
    }
  }
  // Refresh the cookie's expiry (and restore it from localStorage if it was cleared).
  idStore.set(ANONYMOUS_ID_KEY, getAnonymousId(idStore))
  return {
    _anonymousId: () => getAnonymousId(idStore),
    _userId: () => userStore.get(USER_ID_KEY),
    _identify(userId, traits) {
      let stored = getTraits()
      if (userId != null) {
        userId = String(userId)
        // A different user: the previous user's traits are not this one's.
        if (userStore.get(USER_ID_KEY) !== userId) stored = {}
        userStore.set(USER_ID_KEY, userId)
      }
      stored = { ...stored, ...traits }
      userStore.set(TRAITS_KEY, JSON.stringify(stored))
      return stored
    },
    _reset() {
      userStore.remove(USER_ID_KEY)
      userStore.remove(TRAITS_KEY)
      idStore.remove(ANONYMOUS_ID_KEY)
      getAnonymousId(idStore)
    },
  }
}
