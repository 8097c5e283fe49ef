import { describe, expect, it } from 'vitest'
import type { OutgoingEvent } from '../src/plugin.js'
import { conversions } from '../src/plugins/conversions/conversions.js'
import { matchesRule, toPathRegExp } from '../src/plugins/conversions/matches-rule.js'
import { smartEvents } from '../src/plugins/smart-events/smart-events.js'
import { createPluginClient } from './fixtures/create-plugin-client.js'

const page = (path: string) =>
  ({ type: 'page', context: { page: { path, url: 'https://shop.example' + path } } }) as OutgoingEvent

describe('matchesRule', () => {
  it('matches path patterns with * wildcards, anchored', () => {
    expect(toPathRegExp('/thanks*').test('/thanks/order-7')).toBe(true)
    expect(toPathRegExp('/orders/*/done').test('/orders/7/done')).toBe(true)
    expect(toPathRegExp('/thanks').test('/thanks/x')).toBe(false)
    expect(toPathRegExp('/a.b').test('/axb')).toBe(false)
  })

  it('matches a URL-only rule on page views, a RegExp on the full URL', () => {
    expect(matchesRule({ name: 'thanks', url: '/thanks*' }, page('/thanks'))).toBe(true)
    expect(matchesRule({ name: 'thanks', url: '/thanks*' }, page('/shop'))).toBe(false)
    expect(matchesRule({ name: 'r', url: /shop\.example\/thanks$/ }, page('/thanks'))).toBe(true)
    const track = { ...page('/thanks'), type: 'track', event: 'X' } as OutgoingEvent
    expect(matchesRule({ name: 'thanks', url: '/thanks*' }, track)).toBe(false)
  })

  it('needs every condition: event name and URL', () => {
    const event = { ...page('/checkout'), type: 'track', event: 'Order Completed' } as OutgoingEvent
    expect(matchesRule({ name: 'p', event: 'Order Completed' }, event)).toBe(true)
    expect(matchesRule({ name: 'p', event: 'Order Completed', url: '/checkout' }, event)).toBe(true)
    expect(matchesRule({ name: 'p', event: 'Order Completed', url: '/cart' }, event)).toBe(false)
    expect(matchesRule({ name: 'p', event: 'Signed Up' }, event)).toBe(false)
  })

  it('never matches a selector rule without the element autocapture recorded', () => {
    const event = { ...page('/'), type: 'track', event: 'Element Clicked' } as OutgoingEvent
    expect(matchesRule({ name: 'cta', click: '#cta' }, event)).toBe(false)
    expect(matchesRule({ name: 'lead', submit: 'form' }, event)).toBe(false)
  })
})

describe('conversions', () => {
  it('marks the event and emits a Conversion that points at it', async () => {
    const client = createPluginClient([
      smartEvents(),
      conversions([{ name: 'trial', event: 'Signed Up', value: 30, currency: 'EUR' }]),
    ])
    const id = client.rastro.track('Signed Up', { plan: 'pro' })
    const sent = await client.sent()
    const source = sent.find((e) => e.event == 'Signed Up')!
    expect(source.messageId).toBe(id)
    expect(source.context.conversion).toEqual({ rule: 'trial', value: 30, currency: 'EUR' })
    expect(source.context.score).toBe(10)
    const emitted = sent.filter((e) => e.event == 'Conversion')
    expect(emitted.map((e) => e.properties)).toEqual([
      { rule: 'trial', value: 30, currency: 'EUR', event: 'Signed Up', sourceMessageId: id },
    ])
    expect(emitted[0]!.context.score).toBe(10)
  })

  it("takes value and currency from the event's revenue when the rule has none", async () => {
    const client = createPluginClient([conversions([{ name: 'purchase', event: 'Order Completed' }])])
    client.rastro.track('Order Completed', { revenue: 49.9, currency: 'BRL' })
    client.rastro.track('Order Completed', { total: 12 })
    const emitted = (await client.sent()).filter((e) => e.event == 'Conversion')
    expect(emitted.map((e) => [e.properties.value, e.properties.currency])).toEqual([
      [49.9, 'BRL'],
      [12, 'USD'],
    ])
  })

  it('converts a page view by URL, once, and never on its own Conversion event', async () => {
    const client = createPluginClient([conversions([{ name: 'thanks', url: '/thanks*', value: 5 }])])
    client.win.history.pushState({}, '', '/thanks?order=7')
    const sent = await client.sent()
    const pages = sent.filter((e) => e.type == 'page')
    expect(pages.map((e) => e.context.conversion)).toEqual([
      undefined,
      { rule: 'thanks', value: 5, currency: 'USD' },
    ])
    expect(sent.filter((e) => e.event == 'Conversion').map((e) => e.properties.event)).toEqual(['page'])
  })
})
