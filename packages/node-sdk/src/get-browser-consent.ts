/**
 * The visitor's consent choice as `@rastro/browser` keeps it in a first-party cookie,
 * `rastro_consent`: the JSON `{"analytics":true,"marketing":false}` percent-encoded, written when
 * the visitor chooses (`rastro.consent.set()`, `optOut()`) and kept a year. Read on the server, it
 * becomes Segment's consent object, `context.consent.categoryPreferences`, which the collector's
 * forwarding gates on (marketing for Meta, analytics for GA4). No cookie means no choice was
 * made: the event then carries no consent and the tenant's `defaultConsent` applies.
 */
import type { ConsentContext } from '@rastro/schema/types'
import { BROWSER_COOKIES } from './get-browser-ids.js'

/** Rastro's consent categories; others in the cookie are ignored. */
const CATEGORIES = ['analytics', 'marketing'] as const

/**
 * Reads the consent cookie from parsed cookies (see `parseCookies`).
 *
 * @returns `{ categoryPreferences }` with each category the cookie sets to a boolean, or undefined
 *   when there is no cookie or it holds no such category (malformed text included).
 */
export function getBrowserConsent(cookies: ReadonlyMap<string, string>): ConsentContext | undefined {
  const text = cookies.get(BROWSER_COOKIES.consent)
  if (!text) return undefined
  let choice: unknown
  try {
    choice = JSON.parse(decodeURIComponent(text))
  } catch {
    return undefined
  }
  if (typeof choice !== 'object' || choice === null) return undefined
  const categoryPreferences: Record<string, boolean> = {}
  for (const category of CATEGORIES) {
    const value = (choice as Record<string, unknown>)[category]
    if (typeof value === 'boolean') categoryPreferences[category] = value
  }
  return Object.keys(categoryPreferences).length > 0 ? { categoryPreferences } : undefined
}
