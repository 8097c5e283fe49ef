/** Whether an event matches a declarative conversion rule. */
import type { OutgoingEvent } from '../../plugin.js'
import type { CurrentElement } from '../shared/current-element.js'

/**
 * A conversion rule. Every condition given must hold; a rule with only `url` matches page views
 * of that URL. Value and currency default to the event's `value`/`revenue`/`total` and `currency`.
 */
export interface ConversionRule {
  /** The rule's name, reported as `rule` (e.g. `'trial'`). */
  name: string
  /** Name of the track event, e.g. `'Signed Up'`. */
  event?: string
  /**
   * The page: a path pattern where `*` matches anything (`'/thanks*'`, `'/orders/*'`), or a
   * RegExp tested on the full URL.
   */
  url?: string | RegExp
  /** CSS selector: a click (recorded by autocapture) on a matching element or inside one. */
  click?: string
  /** CSS selector of a form: its submission (recorded by autocapture). */
  submit?: string
  /** Value in the currency's major units (e.g. `49.9`). */
  value?: number
  /** ISO 4217 code, e.g. `'EUR'`. */
  currency?: string
}

/** Turns a path pattern with `*` wildcards into an anchored RegExp. */
export const toPathRegExp = (pattern: string): RegExp =>
  new RegExp('^' + pattern.replace(/[.+?^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*') + '$')

/** @returns whether `event` (with the element autocapture recorded it for, if any) matches `rule`. */
export function matchesRule(rule: ConversionRule, event: OutgoingEvent, current?: CurrentElement): boolean {
  const page = event.context.page || {}
  const { url, click, submit } = rule
  if (rule.event ? event.event != rule.event : !click && !submit && event.type != 'page') return false
  if (url) {
    const ok = typeof url == 'string' ? toPathRegExp(url).test(page.path || '') : url.test(page.url || '')
    if (!ok) return false
  }
  for (const [selector, kind] of [
    [click, 'click'],
    [submit, 'submit'],
  ] as const) {
    if (selector && (!current || current._kind != kind || !current._el.closest(selector))) return false
  }
  return true
}
