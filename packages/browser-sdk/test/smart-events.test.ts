import { describe, expect, it } from 'vitest'
import type { OutgoingEvent } from '../src/plugin.js'
import { DEFAULT_SCORES, getScore } from '../src/plugins/smart-events/get-score.js'
import { engagement } from '../src/plugins/engagement/engagement.js'
import { smartEvents } from '../src/plugins/smart-events/smart-events.js'
import { createPluginClient } from './fixtures/create-plugin-client.js'

const event = (fields: Partial<OutgoingEvent>) => ({ type: 'track', context: {}, ...fields }) as OutgoingEvent

describe('getScore', () => {
  it('scores the documented table', () => {
    expect(getScore(event({ event: 'Order Completed' }), DEFAULT_SCORES)).toBe(10)
    expect(getScore(event({ event: 'Form Submitted' }), DEFAULT_SCORES)).toBe(10)
    expect(getScore(event({ event: 'Product Added' }), DEFAULT_SCORES)).toBe(7)
    expect(getScore(event({ event: 'CTA Clicked' }), DEFAULT_SCORES)).toBe(5)
    expect(getScore(event({ type: 'page' }), DEFAULT_SCORES)).toBe(2)
    expect(getScore(event({ event: 'Element Clicked' }), DEFAULT_SCORES)).toBe(1)
  })

  it('scores deep scrolls 4 and shallow ones 3', () => {
    const scroll = (depth: number) => event({ event: 'Scroll Depth Reached', properties: { depth } })
    expect(getScore(scroll(75), DEFAULT_SCORES)).toBe(4)
    expect(getScore(scroll(50), DEFAULT_SCORES)).toBe(3)
  })

  it('gives unknown track events 5 and keeps site scores within 1..10', () => {
    expect(getScore(event({ event: 'Recipe Printed' }), DEFAULT_SCORES)).toBe(5)
    const scores = { ...DEFAULT_SCORES, 'Recipe Printed': 42, page: 0.2 }
    expect(getScore(event({ event: 'Recipe Printed' }), scores)).toBe(10)
    expect(getScore(event({ type: 'page' }), scores)).toBe(1)
  })
})

describe('smartEvents', () => {
  it('puts context.score on every event, with site overrides', async () => {
    const client = createPluginClient([smartEvents({ scores: { 'Recipe Printed': 9 } })])
    client.rastro.track('Recipe Printed')
    client.rastro.track('Product Added', { sku: 'a' })
    const sent = await client.sent()
    expect(sent.map((e) => [e.type, e.event, e.context.score])).toEqual([
      ['page', undefined, 2],
      ['track', 'Recipe Printed', 9],
      ['track', 'Product Added', 7],
    ])
  })

  it('drops track events under minScore, but never page views or measurement events', async () => {
    const client = createPluginClient([smartEvents({ minScore: 3 })])
    expect(client.rastro.track('Element Clicked')).toBeUndefined()
    expect(client.rastro.track('Web Vital', { name: 'LCP' })).toBeDefined()
    expect(client.rastro.track('Product Added')).toBeDefined()
    const sent = await client.sent()
    expect(sent.map((e) => e.event ?? e.type)).toEqual(['page', 'Web Vital', 'Product Added'])
  })

  it('collapses identical events within collapseMs, not different or later ones', async () => {
    const client = createPluginClient([smartEvents({ collapseMs: 1000 })])
    client.rastro.track('Product Added', { sku: 'a' })
    client.tick(500)
    expect(client.rastro.track('Product Added', { sku: 'a' })).toBeUndefined()
    client.rastro.track('Product Added', { sku: 'b' })
    client.tick(1000)
    client.rastro.track('Product Added', { sku: 'a' })
    const sent = await client.sent()
    expect(sent.filter((e) => e.event).map((e) => e.properties.sku)).toEqual(['a', 'b', 'a'])
  })

  it('never collapses page views: back and forward between two pages repeat one exactly', async () => {
    const client = createPluginClient([smartEvents()])
    client.win.history.pushState({}, '', '/a')
    client.win.history.pushState({}, '', '/b')
    client.go(-1)
    client.go(1)
    const sent = await client.sent()
    expect(sent.map((e) => e.context.page.path)).toEqual(['/', '/a', '/b', '/a', '/b'])
  })

  it('never collapses Page Left: two page views with the same stats each get theirs', async () => {
    // Quick SPA navigations (a loaded machine, a test): equal time on page, scroll and interactions.
    const client = createPluginClient([smartEvents(), engagement()])
    client.win.history.pushState({}, '', '/a')
    client.win.history.pushState({}, '', '/b')
    client.win.history.pushState({}, '', '/c')
    const sent = await client.sent()
    const left = sent.filter((e) => e.event == 'Page Left')
    expect(left.map((e) => e.context.page.path)).toEqual(['/', '/a', '/b'])
  })

  it('caps track events per session at maxEventsPerSession', async () => {
    const client = createPluginClient([smartEvents({ maxEventsPerSession: 3, collapseMs: 0 })])
    for (let i = 0; i < 10; i++) client.rastro.track('Loop', { i })
    client.rastro.track('Page Left', {})
    const sent = await client.sent()
    expect(sent.filter((e) => e.event == 'Loop')).toHaveLength(3)
    expect(sent.filter((e) => e.event == 'Page Left')).toHaveLength(1)
  })
})
