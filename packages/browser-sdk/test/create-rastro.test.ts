import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { createRastro } from '../src/create-rastro.js'
import type { RastroOptions } from '../src/types.js'
import { version } from '../src/version.js'
import { setupClient } from './fixtures/setup-client.js'

const setup = setupClient

beforeEach(() => vi.useFakeTimers())
afterEach(() => vi.useRealTimers())

describe('createRastro', () => {
  it('sends a page view on init in the Segment envelope, without userAgent or ip', async () => {
    const { rastro, init, requests } = setup()
    init()
    expect(await rastro.flush()).toBe(true)
    expect(requests[0]!.url).toBe('https://t.example/v1/batch')
    const [page] = requests[0]!.body.batch
    const pageFields = {
      url: 'https://shop.example/?utm_source=ig&utm_campaign=spring',
      path: '/',
      referrer: 'https://search.example/',
      title: 'Tostado',
      search: '?utm_source=ig&utm_campaign=spring',
    }
    expect(page).toEqual({
      type: 'page',
      properties: pageFields,
      messageId: expect.stringMatching(
        /^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/,
      ),
      anonymousId: expect.stringMatching(/^[0-9a-f-]{36}$/),
      timestamp: '2026-01-01T09:00:00.000Z',
      context: {
        library: { name: '@rastro/browser', version },
        page: pageFields,
        campaign: { source: 'ig', name: 'spring', referrer: 'https://search.example/' },
        firstTouch: { source: 'ig', name: 'spring', referrer: 'https://search.example/' },
        consent: { categoryPreferences: { analytics: true, marketing: true } },
        fbp: 'fb.1.1767258000000.2147483647',
        locale: 'es-ES',
        screen: { width: 1440, height: 900, density: 2 },
        timezone: expect.any(String),
        sessionId: expect.stringMatching(/^[0-9a-f-]{36}$/),
      },
    })
    expect(JSON.stringify(page)).not.toMatch(/userAgent|"ip"/)
  })

  it('tracks events with properties, the same anonymous id and session, and returns the messageId', async () => {
    const { rastro, init, events } = setup({}, { pageViews: false })
    init()
    const id = rastro.track('CTA Clicked', { cta: 'hero' })
    rastro.track('Product Viewed')
    await rastro.flush()
    const [a, b] = events()
    expect(a).toMatchObject({
      type: 'track',
      event: 'CTA Clicked',
      properties: { cta: 'hero' },
      messageId: id,
    })
    expect(b).toMatchObject({ type: 'track', event: 'Product Viewed', properties: {} })
    expect(b!.anonymousId).toBe(a!.anonymousId)
    expect((b!.context as { sessionId: string }).sessionId).toBe(
      (a!.context as { sessionId: string }).sessionId,
    )
  })

  it('identifies: keeps the user id in localStorage, sends it on later events, reset() forgets it', async () => {
    const { rastro, init, events, local } = setup({}, { pageViews: false })
    init()
    rastro.identify('user_42', { plan: 'pro' })
    rastro.track('Order Completed')
    expect(local.get('rastro_uid')).toBe('user_42')
    rastro.reset()
    rastro.track('Logged Out')
    await rastro.flush()
    const [identify, order, loggedOut] = events()
    expect(identify).toMatchObject({ type: 'identify', userId: 'user_42', traits: { plan: 'pro' } })
    expect(order).toMatchObject({ userId: 'user_42', anonymousId: identify!.anonymousId })
    expect(loggedOut!.userId).toBeUndefined()
    expect(loggedOut!.anonymousId).not.toBe(identify!.anonymousId)
    const session = (e: Record<string, unknown>) => (e.context as { sessionId: string }).sessionId
    expect(session(loggedOut!)).not.toBe(session(order!))
  })

  it('starts a new session after 30 min without events', async () => {
    const { rastro, init, events, tick } = setup({}, { pageViews: false })
    init()
    rastro.track('a')
    tick(29 * 60_000)
    rastro.track('b')
    tick(30 * 60_000)
    rastro.track('c')
    await rastro.flush()
    const ids = events().map((e) => (e.context as { sessionId: string }).sessionId)
    expect(ids[1]).toBe(ids[0])
    expect(ids[2]).not.toBe(ids[1])
  })

  it('sends one page view per SPA URL change, with the previous URL as referrer', async () => {
    const { rastro, init, events, win, go, setTitle } = setup({ url: 'https://shop.example/' })
    init()
    setTitle('Menu')
    win.history.pushState({}, '', '/menu')
    win.history.pushState({}, '', '/menu')
    win.history.replaceState({ y: 1 }, '')
    go(-1) // the duplicate entry: same URL, no page view
    go(-1)
    await rastro.flush()
    const pages = events().filter((e) => e.type === 'page')
    expect(pages.map((p) => (p.properties as { path: string }).path)).toEqual(['/', '/menu', '/'])
    expect(pages[1]!.properties).toMatchObject({ title: 'Menu', referrer: 'https://shop.example/' })
    expect(pages[2]!.properties).toMatchObject({ referrer: 'https://shop.example/menu' })
  })

  it('page() takes a name and properties, or only properties', async () => {
    const { rastro, init, events } = setup({}, { pageViews: false })
    init()
    rastro.page('Pricing', { plan: 'pro' })
    rastro.page({ section: 'faq' })
    await rastro.flush()
    const [named, unnamed] = events()
    expect(named).toMatchObject({ name: 'Pricing', properties: { plan: 'pro', path: '/' } })
    expect(unnamed).not.toHaveProperty('name')
    expect(unnamed).toMatchObject({ properties: { section: 'faq', path: '/' } })
  })

  it('batches: one request at 20 events, and one 5 s after the first event', async () => {
    const { rastro, init, requests } = setup({}, { pageViews: false })
    init()
    for (let i = 0; i < 20; i++) rastro.track('e' + i)
    await vi.advanceTimersByTimeAsync(0)
    expect(requests).toHaveLength(1)
    expect(requests[0]!.body.batch).toHaveLength(20)
    rastro.track('late')
    await vi.advanceTimersByTimeAsync(4999)
    expect(requests).toHaveLength(1)
    await vi.advanceTimersByTimeAsync(1)
    expect(requests).toHaveLength(2)
  })

  it('retries with the same messageId (and a new sentAt) after 503 and network errors', async () => {
    const { rastro, init, requests, tick } = setup({}, { pageViews: false }, [
      { status: 503, headers: { 'Retry-After': '2' } },
      'network-error',
    ])
    init()
    rastro.track('Lead Created')
    expect(await rastro.flush()).toBe(false)
    tick(2000)
    await vi.advanceTimersByTimeAsync(2000)
    expect(requests).toHaveLength(2)
    await vi.advanceTimersByTimeAsync(2000)
    expect(requests).toHaveLength(3)
    const ids = requests.map((r) => r.body.batch[0]!.messageId)
    expect(new Set(ids).size).toBe(1)
    expect(requests[1]!.body.sentAt).not.toBe(requests[0]!.body.sentAt)
    expect(await rastro.flush()).toBe(true)
  })

  it('retries at once when the browser comes back online', async () => {
    const { rastro, init, requests, win } = setup({}, { pageViews: false }, [
      'network-error',
      'network-error',
    ])
    init()
    rastro.track('offline')
    await rastro.flush()
    await vi.advanceTimersByTimeAsync(1000)
    expect(requests).toHaveLength(2)
    win.dispatchEvent(new Event('online'))
    await vi.advanceTimersByTimeAsync(0)
    expect(requests).toHaveLength(3)
    expect(requests[2]!.body.batch[0]!.event).toBe('offline')
  })

  it('does not retry events the collector rejected as invalid', async () => {
    const { rastro, init, requests } = setup({}, { pageViews: false }, [
      {
        status: 200,
        body: {
          ok: true,
          accepted: 0,
          rejected: [{ index: 0, code: 'RASTRO_ERR_EVENT_INVALID', message: 'x' }],
        },
      },
      { status: 401 },
    ])
    init()
    rastro.track('a')
    await rastro.flush()
    rastro.track('b')
    await rastro.flush()
    await vi.advanceTimersByTimeAsync(600_000)
    expect(requests).toHaveLength(2)
  })

  it('flushes by beacon when the page is hidden or left', async () => {
    const { rastro, init, hide, win, beacon, requests } = setup({}, { pageViews: false })
    init()
    rastro.track('a')
    hide()
    expect(beacon.bodies.map((b) => b.batch.map((e) => e.event))).toEqual([['a']])
    rastro.track('b')
    win.dispatchEvent(new Event('pagehide'))
    expect(beacon.bodies).toHaveLength(2)
    expect(beacon.bodies[1]!.writeKey).toBe('wk_test')
    await vi.advanceTimersByTimeAsync(10_000)
    expect(requests).toHaveLength(0)
  })

  it('replays calls made before init() in order', async () => {
    const { rastro, init, events } = setup({}, { pageViews: false })
    expect(rastro.track('early')).toBeUndefined()
    rastro.identify('u1')
    init()
    await rastro.flush()
    expect(events().map((e) => e.type)).toEqual(['track', 'identify'])
  })

  it('never throws into the page: blocked storage, bad arguments, unserialisable properties, double init', async () => {
    const { rastro, init, events } = setup(
      { cookiesThrow: true, localStorageThrows: true },
      { pageViews: false },
    )
    init()
    init()
    const cyclic: Record<string, unknown> = {}
    cyclic.self = cyclic
    expect(rastro.track('cyclic', cyclic)).toBeUndefined()
    expect(rastro.track('')).toBeUndefined()
    expect(rastro.track(42 as unknown as string)).toBeUndefined()
    expect(rastro.track('big', { blob: 'x'.repeat(40_000) })).toBeUndefined()
    rastro.identify('u1', { a: 1 })
    rastro.reset()
    expect(rastro.track('ok')).toMatch(/^[0-9a-f-]{36}$/)
    await rastro.flush()
    expect(events().map((e) => e.type)).toEqual(['identify', 'track'])
  })

  it('does nothing without a window or write key', async () => {
    const rastro = createRastro()
    rastro.init({ writeKey: 'wk' })
    rastro.init(undefined as unknown as RastroOptions)
    expect(await rastro.flush()).toBe(false)
    expect(rastro.version).toBe(version)
  })

  it('logs in debug mode', async () => {
    const log = vi.spyOn(console, 'log').mockImplementation(() => {})
    const { rastro, init } = setup({}, { pageViews: false })
    rastro.debug()
    init()
    rastro.track('a')
    await rastro.flush()
    expect(log.mock.calls.some((call) => call[0] === '[rastro]' && call[1] === 'track')).toBe(true)
    rastro.debug(false)
    log.mockClear()
    rastro.track('b')
    expect(log).not.toHaveBeenCalled()
    log.mockRestore()
  })
})
