/**
 * The visitor's consent, as Segment's consent object (`context.consent.categoryPreferences`)
 * with the categories `analytics` (measure the visit, store ids) and `marketing` (Meta's
 * `_fbc`/`_fbp`, forwarding to ad platforms). A choice is kept in the `rastro_consent` cookie
 * (percent-encoded JSON `{"analytics":true,"marketing":false}`, 1 year), written only once the
 * visitor chose; `@rastro/node`'s `fromRequest` reads the same cookie.
 *
 * Defaults before a choice: in opt-in mode nothing is allowed; otherwise analytics is allowed and
 * marketing is allowed unless the browser sends GPC or DNT (when `privacySignals` is on).
 */
import type { Store } from '../storage/store.js'

/** Cookie name of the stored choice. */
export const CONSENT_KEY = 'rastro_consent'

/** The two consent categories. */
export interface ConsentPreferences {
  /** Measure the visit and keep ids in first-party storage. */
  analytics: boolean
  /** Marketing: Meta's `_fbc`/`_fbp` cookies, and forwarding events to ad platforms. */
  marketing: boolean
}

/** The consent state of one client. */
export interface Consent {
  /** Current preferences. */
  readonly _prefs: ConsentPreferences
  /** Whether the visitor made a choice (now or on an earlier visit). */
  readonly _chosen: boolean
  /** Merges a choice into the preferences and stores it. */
  _set(choice: Partial<ConsentPreferences>): void
}

/** Reads the stored choice from `cookies`, or derives the defaults. */
export function createConsent(cookies: Store, optIn: boolean, privacySignal: boolean): Consent {
  let stored: Partial<ConsentPreferences> | undefined
  try {
    stored = JSON.parse(cookies.get(CONSENT_KEY)!) || undefined
  } catch {
    // no choice stored, or an unreadable one: use the defaults
  }
  const consent = {
    _prefs: {
      analytics: stored ? !!stored.analytics : !optIn,
      marketing: stored ? !!stored.marketing : !optIn && !privacySignal,
    },
    _chosen: !!stored,
    _set(choice: Partial<ConsentPreferences>) {
      const prefs = consent._prefs
      for (const key of ['analytics', 'marketing'] as const)
        if (choice && key in choice) prefs[key] = !!choice[key]
      consent._chosen = true
      cookies.set(CONSENT_KEY, JSON.stringify(prefs))
    },
  }
  return consent
}
