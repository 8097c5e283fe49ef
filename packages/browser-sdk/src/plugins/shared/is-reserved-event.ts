/**
 * Events the SDK itself measures with (engagement, vitals, heatmaps, conversions): smart-event
 * filters (`minScore`, `maxEventsPerSession`) never drop them, and conversion rules never match them.
 */
export const isReservedEvent = (event: unknown): boolean =>
  event == 'Page Left' || event == 'Web Vital' || event == '$heatmap' || event == 'Conversion'
