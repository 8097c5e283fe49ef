/**
 * Consent and privacy: opt-in mode writes and sends nothing before the choice, the choice lives in
 * the `rastro_consent` cookie, refusal and `optOut()` stick, GPC/DNT mean no marketing, cookieless
 * mode keeps nothing and sends no ids.
 */
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { getStorageWrites } from './fixtures/create-fake-window.js'
import { setupClient } from './fixtures/setup-client.js'

type Context = {
  consent?: { categoryPreferences: Record<string, boolean> }
  sessionId?: string
  cookieless?: boolean
  fbp?: string
  fbc?: string
}
const contextOf = (event: Record<string, unknown>) => event.context as Context

beforeEach(() => vi.useFakeTimers())
afterEach(() => vi.useRealTimers())

describe('opt-in mode (requireConsent)', () => {
  it('makes no request and no storage write before the choice, then sends the waiting events with the same ids', async () => {
    const client = setupClient({}, { requireConsent: true })
    client.init()
    client.rastro.track('Before Consent')
    client.rastro.identify('u1', { plan: 'pro' })
    await vi.advanceTimersByTimeAsync(60_000)
    expect(await client.rastro.flush()).toBe(true)
    expect(client.requests).toHaveLength(0)
    expect(client.beacon.bodies).toHaveLength(0)
    client.hide()
    expect(client.beacon.bodies).toHaveLength(0)
    expect(getStorageWrites(client.fake)).toEqual([])

    expect(client.rastro.consent({ analytics: true })).toEqual({ analytics: true, marketing: false })
    await client.rastro.flush()
    const events = client.events()
    expect(events.map((e) => e.type)).toEqual(['page', 'track', 'identify'])
    for (const event of events)
      expect(contextOf(event).consent).toEqual({ categoryPreferences: { analytics: true, marketing: false } })
    // The ids made in memory before the choice are the ones now stored.
    expect(client.jar.get('rastro_aid')).toBe(events[0]!.anonymousId)
    expect(decodeURIComponent(client.jar.get('rastro_sid')!).split('.')[0]).toBe(
      contextOf(events[0]!).sessionId,
    )
    expect(client.local.get('rastro_uid')).toBe('u1')
    expect(decodeURIComponent(client.jar.get('rastro_consent')!)).toBe('{"analytics":true,"marketing":false}')
    // No marketing consent: no Meta cookies.
    expect(client.jar.has('_fbp')).toBe(false)
  })

  it('drops the waiting events on refusal, stores only the choice, and remembers it on the next page', async () => {
    const client = setupClient({}, { requireConsent: true })
    client.init()
    client.rastro.track('Before Consent')
    client.rastro.consent({ analytics: false, marketing: false })
    client.rastro.track('After Refusal')
    await client.rastro.flush()
    expect(client.requests).toHaveLength(0)
    expect([...client.jar.keys()]).toEqual(['rastro_consent'])
    expect(client.local.size).toBe(0)

    // The next page (same cookie jar) knows the choice: nothing waits in memory, nothing is sent.
    const next = setupClient({}, { requireConsent: true })
    next.jar.set('rastro_consent', client.jar.get('rastro_consent')!)
    next.init()
    next.rastro.track('Next Page')
    next.rastro.consent({ marketing: false })
    await next.rastro.flush()
    expect(next.requests).toHaveLength(0)
  })
})

describe('opt-out mode (default)', () => {
  it('sends consent on every event; optOut() stops, deletes the ids and queue, and sticks', async () => {
    const client = setupClient({}, { pageViews: false }, [], {})
    client.init()
    client.rastro.track('a')
    await client.rastro.flush()
    expect(contextOf(client.events()[0]!).consent).toEqual({
      categoryPreferences: { analytics: true, marketing: true },
    })
    expect(client.jar.has('rastro_aid')).toBe(true)
    client.rastro.track('queued, then refused')
    client.rastro.optOut()
    client.rastro.track('b')
    await client.rastro.flush()
    expect(client.events().map((e) => e.event)).toEqual(['a'])
    expect(client.jar.has('rastro_aid')).toBe(false)
    expect(client.jar.has('rastro_sid')).toBe(false)
    expect(decodeURIComponent(client.jar.get('rastro_consent')!)).toBe(
      '{"analytics":false,"marketing":false}',
    )

    const next = setupClient({}, { pageViews: false })
    next.jar.set('rastro_consent', client.jar.get('rastro_consent')!)
    next.init()
    next.rastro.track('c')
    await next.rastro.flush()
    expect(next.requests).toHaveLength(0)
    expect(next.jar.has('rastro_aid')).toBe(false)
  })

  it('a later choice does not write this page’s older ids over another tab’s', () => {
    const client = setupClient({}, { pageViews: false })
    client.init()
    client.rastro.track('a')
    const otherTab = encodeURIComponent('0190a000-0000-7000-8000-000000000000.' + Date.UTC(2026, 0, 1, 9))
    client.jar.set('rastro_sid', otherTab)
    client.rastro.consent({ marketing: true })
    expect(client.jar.get('rastro_sid')).toBe(otherTab)
  })

  it.each([
    ['GPC', { globalPrivacyControl: true }],
    ['DNT', { doNotTrack: '1' }],
  ])('reads %s as no marketing: no Meta cookies, marketing false', async (_name, navigator) => {
    const client = setupClient({ navigator, url: 'https://shop.example/?fbclid=IwAR1' }, { pageViews: false })
    client.init()
    client.rastro.track('a')
    await client.rastro.flush()
    const context = contextOf(client.events()[0]!)
    expect(context.consent).toEqual({ categoryPreferences: { analytics: true, marketing: false } })
    expect(context.fbc).toBeUndefined()
    expect(client.jar.has('_fbc')).toBe(false)
    // An explicit choice wins over the signal; privacySignals: false ignores it.
    client.rastro.consent({ marketing: true })
    client.rastro.track('b')
    await client.rastro.flush()
    expect(contextOf(client.events()[1]!).fbc).toBe('fb.1.' + Date.UTC(2026, 0, 1, 9) + '.IwAR1')
    const ignoring = setupClient({ navigator }, { pageViews: false, privacySignals: false })
    ignoring.init()
    ignoring.rastro.track('a')
    await ignoring.rastro.flush()
    expect(contextOf(ignoring.events()[0]!).consent!.categoryPreferences.marketing).toBe(true)
  })
})

describe('cookieless mode', () => {
  it('stores nothing, sends no anonymous id, user id or session id, and marks context.cookieless', async () => {
    const client = setupClient({ url: 'https://shop.example/?fbclid=IwAR1' }, { cookieless: true })
    client.init()
    client.rastro.identify('u1', { plan: 'pro' })
    client.rastro.track('Signed Up')
    expect(client.rastro.alias('u1')).toBeUndefined()
    await client.rastro.flush()
    const events = client.events()
    expect(events.map((e) => e.type)).toEqual(['page', 'identify', 'track'])
    for (const event of events) {
      expect(event).not.toHaveProperty('anonymousId')
      expect(event).not.toHaveProperty('userId')
      expect(contextOf(event)).toMatchObject({ cookieless: true })
      expect(contextOf(event).sessionId).toBeUndefined()
      expect(contextOf(event).fbp).toBeUndefined()
    }
    expect(events[1]!.traits).toEqual({ plan: 'pro' })
    expect(getStorageWrites(client.fake)).toEqual([])
    // A visitor's explicit choice is the one thing kept.
    client.rastro.consent({ marketing: false })
    expect([...client.jar.keys()]).toEqual(['rastro_consent'])
  })
})
