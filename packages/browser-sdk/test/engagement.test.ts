import { describe, expect, it } from 'vitest'
import { createActiveTimer, IDLE_MS } from '../src/plugins/engagement/create-active-timer.js'
import { engagement } from '../src/plugins/engagement/engagement.js'
import { getEngagementLevel } from '../src/plugins/engagement/get-engagement-level.js'
import { createPluginClient } from './fixtures/create-plugin-client.js'

describe('getEngagementLevel', () => {
  const level = (activeTimeMs: number, scrollDepth: number, interactions: number) =>
    getEngagementLevel({ activeTimeMs, scrollDepth, interactions })

  it('is low for a short, idle visit', () => {
    expect(level(9_999, 49, 1)).toBe('low')
  })

  it('is medium from 10 s active, 2 interactions or half the page', () => {
    expect(level(10_000, 0, 0)).toBe('medium')
    expect(level(0, 0, 2)).toBe('medium')
    expect(level(0, 50, 0)).toBe('medium')
    expect(level(60_000, 10, 2)).toBe('medium')
  })

  it('is high from 30 s active with half the page or 3 interactions, or from 10 interactions', () => {
    expect(level(30_000, 50, 0)).toBe('high')
    expect(level(30_000, 0, 3)).toBe('high')
    expect(level(0, 0, 10)).toBe('high')
  })
})

describe('createActiveTimer', () => {
  it('counts time between inputs, at most IDLE_MS after each', () => {
    const timer = createActiveTimer(0, true)
    timer._active(2_000)
    timer._active(20_000) // idle since 2 s: only IDLE_MS of the gap counts
    expect(timer._get(21_000)).toBe(2_000 + IDLE_MS + 1_000)
    expect(timer._get(60_000)).toBe(2_000 + 2 * IDLE_MS)
  })

  it('stops while the page is hidden and starts again on the next input', () => {
    const timer = createActiveTimer(0, true)
    timer._hidden(3_000)
    expect(timer._get(100_000)).toBe(3_000)
    timer._active(100_000)
    expect(timer._get(101_000)).toBe(4_000)
  })

  it('counts nothing for a page loaded hidden until it is used', () => {
    expect(createActiveTimer(0, false)._get(50_000)).toBe(0)
  })
})

describe('engagement', () => {
  it('puts the level so far on every event', async () => {
    const client = createPluginClient([engagement()])
    client.rastro.track('First')
    client.fire('click')
    client.fire('click')
    client.rastro.track('Second')
    const sent = await client.sent()
    expect(sent.map((e) => e.context.engagement)).toEqual(['low', 'low', 'medium'])
  })

  it('sends Page Left once when the page is hidden, with time, active time, scroll and level', async () => {
    const client = createPluginClient([engagement()])
    for (let i = 0; i < 8; i++) {
      client.tick(4_000)
      client.fire('mousemove')
    }
    client.scrollTo(60)
    client.fire('click')
    client.tick(1_000)
    client.hide()
    client.hide()
    const left = (await client.sent()).filter((e) => e.event == 'Page Left')
    expect(left).toHaveLength(1)
    expect(left[0]!.properties).toEqual({
      timeOnPageMs: 33_000,
      activeTimeMs: 33_000,
      scrollDepth: 60,
      interactions: 1,
      engagement: 'high',
    })
  })

  it('sends Page Left for the page left before the page view of an SPA navigation', async () => {
    const client = createPluginClient([engagement()])
    client.tick(2_000)
    client.fire('keydown')
    client.win.history.pushState({}, '', '/menu')
    client.tick(1_000)
    client.hide()
    const sent = await client.sent()
    expect(sent.map((e) => [e.event ?? e.type, e.context.page.path])).toEqual([
      ['page', '/'],
      ['Page Left', '/'],
      ['page', '/menu'],
      ['Page Left', '/menu'],
    ])
    expect(sent[1]!.properties).toMatchObject({ timeOnPageMs: 2_000, activeTimeMs: 2_000 })
    expect(sent[3]!.properties).toMatchObject({ timeOnPageMs: 1_000, interactions: 0 })
  })
})
