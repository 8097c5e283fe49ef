/**
 * Core Web Vitals with Google's `web-vitals` (https://github.com/GoogleChrome/web-vitals): LCP,
 * INP, CLS, FCP and TTFB, each sent once per page load as a `Web Vital` event with its rating
 * (thresholds: https://web.dev/articles/vitals). LCP, CLS and INP are final when the page is
 * hidden; `web-vitals` reports them then, from a window capture listener that runs before the
 * client's own hide flush, so they leave with it.
 */
import { onCLS, onFCP, onINP, onLCP, onTTFB, type Metric } from 'web-vitals'
import type { Plugin } from '../../plugin.js'

/** The vitals plugin (no options). */
export function vitals(): Plugin {
  return (api) => {
    const report = (metric: Metric) => {
      api._track('Web Vital', {
        name: metric.name,
        // ms rounded to 1 ms; CLS is unitless, kept to 4 decimals.
        value: metric.name == 'CLS' ? Math.round(metric.value * 1e4) / 1e4 : Math.round(metric.value),
        rating: metric.rating,
        id: metric.id,
        navigationType: metric.navigationType,
      })
    }
    for (const on of [onLCP, onINP, onCLS, onFCP, onTTFB]) on(report)
  }
}
