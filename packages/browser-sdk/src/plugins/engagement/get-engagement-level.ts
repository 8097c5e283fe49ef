/** The engagement level of a page view, from what the visitor did on it. Thresholds are in the README. */
import type { EngagementLevel } from '@rastro/schema/types'

/** What the visitor did on a page view so far. */
export interface EngagementStats {
  /** Time the page was visible and used (ms). */
  activeTimeMs: number
  /** Deepest point seen, 0–100 (% of the page's height). */
  scrollDepth: number
  /** Clicks and form-field changes. */
  interactions: number
}

/** Active time from which a page view is `medium` (ms). */
export const MEDIUM_ACTIVE_MS = 10_000
/** Active time from which a page view can be `high` (ms). */
export const HIGH_ACTIVE_MS = 30_000

/**
 * `high`: at least 30 s active and (scrolled to 50 % or more, or 3+ interactions), or 10+
 * interactions. `medium`: at least 10 s active, or 2+ interactions, or scrolled to 50 % or more.
 * Otherwise `low`.
 */
export function getEngagementLevel(stats: EngagementStats): EngagementLevel {
  const { activeTimeMs: active, scrollDepth: depth, interactions: n } = stats
  if ((active >= HIGH_ACTIVE_MS && (depth >= 50 || n >= 3)) || n >= 10) return 'high'
  return active >= MEDIUM_ACTIVE_MS || n >= 2 || depth >= 50 ? 'medium' : 'low'
}
