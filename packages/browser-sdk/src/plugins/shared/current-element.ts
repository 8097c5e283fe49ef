/**
 * The DOM element behind the event being recorded right now: autocapture sets it around its
 * (synchronous) `_track` call, and conversion rules with a CSS selector read it from their step.
 */
import type { JsonObject } from '@rastro/schema/types'
import type { PluginApi } from '../../plugin.js'

/** What the visitor acted on: the clicked element, or the submitted form. */
export interface CurrentElement {
  _el: Element
  _kind: 'click' | 'submit'
}

let current: CurrentElement | undefined

/** The element behind the event in the steps now, if autocapture recorded it. */
export function getCurrentElement(): CurrentElement | undefined {
  return current
}

/** Records `event` through `api` with `el` as its current element. */
export function trackElement(
  api: PluginApi,
  el: Element,
  kind: CurrentElement['_kind'],
  event: string,
  properties: JsonObject,
): void {
  current = { _el: el, _kind: kind }
  try {
    api._track(event, properties)
  } finally {
    current = undefined
  }
}
