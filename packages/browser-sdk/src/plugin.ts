/**
 * The contract between the client and its feature modules (autocapture, scoring, engagement,
 * conversion rules, heatmaps, vitals…). A plugin is a function run once by `init()`; it records
 * events through the client and adds steps that every event passes before it is queued. Plugins
 * keep the core small: the npm build ships only the plugins a site imports, the script-tag build
 * bundles the default set.
 */
import type { EventContext, JsonObject, RastroEvent } from '@rastro/schema/types'
import type { RastroOptions } from './types.js'

/** An event on its way to the queue: the whole envelope (ids, time, context), mutable by steps. */
export type OutgoingEvent = RastroEvent & { properties?: JsonObject; context: EventContext }

/**
 * A step run on every event before it is queued, in the order added. It may change the event
 * (add properties, `context.score`, mark a conversion) and returns `false` to drop it.
 */
export type EventStep = (event: OutgoingEvent) => boolean | void

/** What a plugin gets from the client. Underscored names are private and mangled in the builds. */
export interface PluginApi {
  /** The page's window. */
  readonly _win: Window
  /** The options given to `init()`, as given (plugins read their own settings from them). */
  readonly _options: RastroOptions
  /** Current time (ms since the epoch). */
  _now(): number
  /** Records a track event, through every step. @returns its `messageId`, or `undefined` when dropped. */
  _track(event: string, properties?: JsonObject): string | undefined
  /** Adds a step run on every event before it is queued. */
  _use(step: EventStep): void
  /** Runs `callback` when the page is hidden or left, before the final flush. */
  _onHide(callback: () => void): void
  /**
   * Whether the visitor allows analytics now (always, unless opt-in mode is waiting for the choice
   * or the visitor refused). Plugins that make requests of their own (chunk loading) wait for it.
   */
  _allowed(): boolean
  /** Logs to the console when debugging is on. */
  _log(...args: unknown[]): void
}

/** A feature module: called once by `init()`, after the client is ready and before the first page view. */
export type Plugin = (api: PluginApi) => void
