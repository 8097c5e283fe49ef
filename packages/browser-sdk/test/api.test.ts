/** The rest of the API: alias, group, the events path, the bot flag. */
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { setupClient } from './fixtures/setup-client.js'

beforeEach(() => vi.useFakeTimers())
afterEach(() => vi.useRealTimers())

describe('API', () => {
  it('alias defaults previousId to the user id, else the anonymous id; group sends the traits', async () => {
    const client = setupClient({}, { pageViews: false })
    client.init()
    client.rastro.alias('user_42')
    client.rastro.identify('user_42')
    client.rastro.alias('user_43')
    client.rastro.alias('user_44', 'legacy_1')
    client.rastro.group('acme', { plan: 'team' })
    expect(client.rastro.group('')).toBeUndefined()
    await client.rastro.flush()
    const [a1, identify, a2, a3, group] = client.events()
    expect(a1).toMatchObject({ type: 'alias', userId: 'user_42', previousId: identify!.anonymousId })
    expect(a2).toMatchObject({ type: 'alias', userId: 'user_43', previousId: 'user_42' })
    expect(a3).toMatchObject({ previousId: 'legacy_1', userId: 'user_44' })
    expect(group).toMatchObject({
      type: 'group',
      groupId: 'acme',
      traits: { plan: 'team' },
      userId: 'user_42',
    })
  })

  it('posts to host + path (first-party proxy alias)', async () => {
    const client = setupClient({}, { pageViews: false, host: 'https://shop.example', path: '/k/e' })
    client.init()
    client.rastro.track('a')
    await client.rastro.flush()
    expect(client.requests[0]!.url).toBe('https://shop.example/k/e')
  })

  it.each([
    ['webdriver', { webdriver: true }, true],
    ['a headless UA', { userAgent: 'Mozilla/5.0 HeadlessChrome/140.0.0.0' }, true],
    ['a person', {}, false],
  ])('flags %s with context.bot', async (_name, navigator, bot) => {
    const client = setupClient({ navigator }, { pageViews: false })
    client.init()
    client.rastro.track('a')
    await client.rastro.flush()
    expect((client.events()[0]!.context as { bot?: boolean }).bot).toBe(bot || undefined)
  })

  it('types the E-commerce Spec events', () => {
    const client = setupClient({}, { pageViews: false })
    client.init()
    const id = client.rastro.track('Order Completed', {
      order_id: 'o1',
      total: 27.5,
      revenue: 25,
      currency: 'EUR',
      products: [{ product_id: 'p1', price: 12.5, quantity: 2 }],
    })
    expect(id).toMatch(/^[0-9a-f-]{36}$/)
    // @ts-expect-error total is a number in major units, not a string
    client.rastro.track('Order Completed', { total: '27.50' })
  })
})
