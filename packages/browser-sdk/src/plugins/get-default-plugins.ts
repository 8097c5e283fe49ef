/**
 * The plugins of the script-tag build, from `init()`'s options: smart events, conversion rules,
 * engagement and autocapture in `rastro.js`; Core Web Vitals and heatmaps as chunks loaded from
 * the folder `rastro.js` came from. Order matters: filters first, so the others only see kept events.
 */
import type { Plugin } from '../plugin.js'
import type { RastroOptions } from '../types.js'
import { autocapture, type AutocaptureOptions } from './autocapture/autocapture.js'
import { conversions, type ConversionRule } from './conversions/conversions.js'
import { engagement } from './engagement/engagement.js'
import { loadChunk } from './load-chunk.js'
import { smartEvents, type SmartEventsOptions } from './smart-events/smart-events.js'

/** Options of `init()` in the script-tag build, besides the core's. */
export interface ScriptOptions extends SmartEventsOptions {
  /** Smart events (scores, `minScore`, `maxEventsPerSession`, `collapseMs`). Default: on. */
  smartEvents?: boolean
  /** Conversion rules. Default: none. */
  conversions?: ConversionRule[]
  /** Engagement (`context.engagement`, `Page Left`). Default: on. */
  engagement?: boolean
  /** Autocapture switches, or `false` for none. Default: all on. */
  autocapture?: AutocaptureOptions | false
  /** Core Web Vitals (loads `rastro-vitals.js`). Default: on. */
  vitals?: boolean
  /** Click heatmaps (loads `rastro-heatmaps.js`). Default: off. */
  heatmaps?: boolean
}

/** @param base URL of the folder of `rastro.js` (ending in `/`), or `''` to use `host`. */
export function getDefaultPlugins(options: RastroOptions & ScriptOptions, base: string): Plugin[] {
  base ||= (options.host || '').replace(/\/+$/, '') + '/'
  const plugins: Plugin[] = []
  if (options.smartEvents !== false) plugins.push(smartEvents(options))
  if (options.conversions) plugins.push(conversions(options.conversions))
  if (options.engagement !== false) plugins.push(engagement())
  if (options.autocapture !== false) plugins.push(autocapture(options.autocapture))
  if (options.vitals !== false) plugins.push(loadChunk('vitals', base))
  if (options.heatmaps) plugins.push(loadChunk('heatmaps', base))
  return plugins
}
