/**
 * Conversion rules: an event matching a rule gets `context.conversion = { rule, value, currency }`
 * and score 10, and a `Conversion` track event follows with `{ rule, value, currency, event,
 * sourceMessageId }`. The first matching rule wins; `Conversion` and the SDK's measurement events
 * never match.
 */
import type { Plugin } from '../../plugin.js'
import { getCurrentElement } from '../shared/current-element.js'
import { isReservedEvent } from '../shared/is-reserved-event.js'
import { matchesRule, type ConversionRule } from './matches-rule.js'

export type { ConversionRule }

/** Currency of conversions whose rule and event name none (Segment's default currency). */
const DEFAULT_CURRENCY = 'USD'

/** The conversions plugin. Put it after `smartEvents` so dropped events never convert. */
export function conversions(rules: ConversionRule[] = []): Plugin {
  return (api) => {
    api._use((event) => {
      if (isReservedEvent(event.event)) return
      const current = getCurrentElement()
      for (const rule of rules) {
        let matched = false
        try {
          matched = matchesRule(rule, event, current)
        } catch (error) {
          api._log('conversion rule failed', rule.name, error)
        }
        if (!matched) continue
        const p = event.properties || {}
        const value = Number(rule.value ?? p.value ?? p.revenue ?? p.total) || 0
        const currency = String(rule.currency || p.currency || DEFAULT_CURRENCY)
        const conversion = { rule: rule.name, value, currency }
        event.context.conversion = conversion
        event.context.score = 10
        api._track('Conversion', {
          ...conversion,
          event: event.type == 'track' ? String(event.event) : event.type,
          sourceMessageId: event.messageId!,
        })
        return
      }
    })
  }
}
