/** The feature plugins for the npm build: `init({ writeKey, plugins: [smartEvents(), autocapture(), …] })`. */
export { smartEvents, type SmartEventsOptions } from './smart-events/smart-events.js'
export { DEFAULT_SCORES } from './smart-events/get-score.js'
export { engagement } from './engagement/engagement.js'
export { conversions, type ConversionRule } from './conversions/conversions.js'
export { autocapture, type AutocaptureOptions } from './autocapture/autocapture.js'
export { heatmaps, type HeatmapPoint } from './heatmaps/heatmaps.js'
export { vitals } from './vitals/vitals.js'
