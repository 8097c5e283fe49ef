/**
 * The visitor's consent for an event: Segment's consent object,
 * `context.consent.categoryPreferences`, with Rastro's categories `analytics` and `marketing`
 * (the browser SDK always sets it). A category the event does not mention takes the tenant's
 * `defaultConsent` (by default: not granted), so an event is never forwarded on a guess
 * (shared/specs/forwarding.md §6 "Consent gating").
 */
import type { DefaultConsent } from '../config/destination-schema.js'
import { asRecord, type ForwardEvent } from './forward-event.js'

/** Which categories the visitor allowed, and whether the event said so itself. */
export interface Consent {
  analytics: boolean
  marketing: boolean
  /** True when both came from the event, false when a default filled in. */
  explicit: boolean
}

/** Reads `context.consent.categoryPreferences`; categories left out take `defaults`. */
export function getConsent(event: ForwardEvent, defaults: DefaultConsent): Consent {
  const preferences = asRecord(asRecord(event.context.consent).categoryPreferences)
  const analytics = preferences.analytics
  const marketing = preferences.marketing
  return {
    analytics: typeof analytics === 'boolean' ? analytics : defaults.analytics,
    marketing: typeof marketing === 'boolean' ? marketing : defaults.marketing,
    explicit: typeof analytics === 'boolean' && typeof marketing === 'boolean',
  }
}
