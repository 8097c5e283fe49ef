/**
 * Smart events: gives every event `context.score` (1–10), then drops noise before it is queued:
 * events scored under `minScore`, events past `maxEventsPerSession`, and repeats of an identical
 * event (same type, name and properties) within `collapseMs`. Page views and `Page Left` are never
 * collapsed: the core already sends one page view per URL change (back/forward between two pages
 * repeats one exactly), and `Page Left` comes once per page view, whose stats can be equal. Events the SDK measures with
 * (`Page Left`, `Web Vital`, `$heatmap`, `Conversion`) and non-track calls are scored but never dropped
 * by the score or the cap.
 */
import type { Plugin } from '../../plugin.js'
import { isReservedEvent } from '../shared/is-reserved-event.js'
import { DEFAULT_SCORES, getScore } from './get-score.js'

/** Options of {@link smartEvents}. */
export interface SmartEventsOptions {
  /** Scores by event name (`page` for page views), merged over the default table. */
  scores?: Record<string, number>
  /** Track events scored lower are dropped before sending. Default: 1 (keep all). */
  minScore?: number
  /**
   * At most this many track events per session and page load; later ones are dropped (a loop
   * in the site's code cannot flood the collector). Default: 500 (events).
   */
  maxEventsPerSession?: number
  /** An event identical to one recorded less than this long ago is dropped. Default: 1000 (ms); 0 keeps all. */
  collapseMs?: number
}

/** The smart-events plugin. Add it first, so later plugins only see the events that are kept. */
export function smartEvents(options: SmartEventsOptions = {}): Plugin {
  return (api) => {
    const scores = { ...DEFAULT_SCORES, ...options.scores }
    const minScore = options.minScore || 1
    const maxEvents = options.maxEventsPerSession || 500
    const collapseMs = options.collapseMs ?? 1000
    /** Identical-event key → when it was last recorded (ms). */
    const recent = new Map<string, number>()
    const counts: Record<string, number> = {}
    api._use((event) => {
      const now = api._now()
      const score = (event.context.score = getScore(event, scores))
      // Page views and Page Left are never repeats: the core sends one page view per URL change,
      // the engagement plugin one Page Left per page view, and two quick page views can leave with
      // the same stats (it lost a page's Page Left on a loaded machine).
      if (collapseMs > 0 && event.type != 'page' && event.event != 'Page Left') {
        const key = JSON.stringify([event.type, event.event, event.name, event.properties])
        const last = recent.get(key)
        if (last != null && now - last < collapseMs) return false
        if (recent.size > 100) recent.forEach((t, k) => now - t >= collapseMs && recent.delete(k))
        recent.set(key, now)
      }
      if (event.type != 'track' || isReservedEvent(event.event)) return
      if (score < minScore) return false
      const session = String(event.context.sessionId)
      if ((counts[session] = (counts[session] || 0) + 1) > maxEvents) return false
    })
  }
}
