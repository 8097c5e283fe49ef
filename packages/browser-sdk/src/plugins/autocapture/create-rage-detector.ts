/**
 * Rage clicks: 3 clicks within 1 s and 30 px of each other, posthog-js's rule
 * (https://github.com/PostHog/posthog-js/blob/main/packages/browser/src/extensions/rageclick.ts).
 */

/** Clicks that make a rage click. */
export const RAGE_CLICKS = 3
/** Window of a rage click (ms). */
export const RAGE_WINDOW_MS = 1000
/** Greatest distance between its clicks (CSS px). */
export const RAGE_RADIUS_PX = 30

/** @returns a function fed every click (page px, ms) that is true on the click that completes a rage click. */
export function createRageDetector(): (x: number, y: number, t: number) => boolean {
  let clicks: [number, number, number][] = []
  return (x, y, t) => {
    clicks = clicks.filter(
      ([cx, cy, ct]) => t - ct < RAGE_WINDOW_MS && Math.hypot(cx - x, cy - y) <= RAGE_RADIUS_PX,
    )
    clicks.push([x, y, t])
    return clicks.length == RAGE_CLICKS
  }
}
