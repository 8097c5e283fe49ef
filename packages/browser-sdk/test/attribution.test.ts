/** Attribution: the touch of a page, first and last touch across visits, new session on a new campaign, Meta's cookies. */
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { getMetaCookies } from '../src/attribution/get-meta-cookies.js'
import { getTouch } from '../src/attribution/get-touch.js'
import { createGatedStore } from '../src/storage/create-gated-store.js'
import { setupClient, t0 } from './fixtures/setup-client.js'

type Context = {
  campaign?: unknown
  firstTouch?: unknown
  sessionId: string
  fbc?: string
  fbp?: string
  ga4?: unknown
}
const contextOf = (event: Record<string, unknown>) => event.context as Context

beforeEach(() => vi.useFakeTimers())
afterEach(() => vi.useRealTimers())

describe('getTouch', () => {
  it('maps utm_* to Segment names and keeps the click ids and an external referrer', () => {
    expect(
      getTouch(
        'https://shop.example/p?utm_source=ig&utm_medium=social&utm_campaign=caf%C3%A9&utm_term=t&utm_content=reel&utm_id=9' +
          '&gclid=G&gbraid=GB&wbraid=WB&fbclid=F&msclkid=M&ttclid=T&q=1',
        'https://www.google.com/',
      ),
    ).toEqual({
      source: 'ig',
      medium: 'social',
      name: 'café',
      term: 't',
      content: 'reel',
      id: '9',
      gclid: 'G',
      gbraid: 'GB',
      wbraid: 'WB',
      fbclid: 'F',
      msclkid: 'M',
      ttclid: 'T',
      referrer: 'https://www.google.com/',
    })
  })

  it('is not a touch: direct visits and links within the site', () => {
    expect(getTouch('https://shop.example/?q=1', '')).toBeUndefined()
    expect(getTouch('https://shop.example/b', 'https://shop.example/a')).toBeUndefined()
    expect(getTouch('https://shop.example/', 'not a url')).toBeUndefined()
  })
})

describe('first and last touch', () => {
  it('keeps the first touch and sends the last one in context.campaign, across visits', async () => {
    const first = setupClient({
      url: 'https://shop.example/?utm_source=ig&utm_campaign=spring',
      referrer: '',
    })
    first.init()
    await first.rastro.flush()
    expect(contextOf(first.events()[0]!).campaign).toEqual({ source: 'ig', name: 'spring' })

    // A direct visit later: no new touch, the stored ones go out.
    const direct = setupClient({ url: 'https://shop.example/menu', referrer: '' })
    for (const [k, v] of first.local) direct.local.set(k, v)
    direct.init()
    await direct.rastro.flush()
    expect(contextOf(direct.events()[0]!)).toMatchObject({
      campaign: { source: 'ig', name: 'spring' },
      firstTouch: { source: 'ig', name: 'spring' },
    })

    // A Google Ads click: the last touch changes, the first stays.
    const ad = setupClient({ url: 'https://shop.example/?gclid=abc', referrer: 'https://www.google.com/' })
    for (const [k, v] of first.local) ad.local.set(k, v)
    ad.init()
    await ad.rastro.flush()
    expect(contextOf(ad.events()[0]!)).toMatchObject({
      campaign: { gclid: 'abc', referrer: 'https://www.google.com/' },
      firstTouch: { source: 'ig', name: 'spring' },
    })
  })

  it('starts a new session on a new campaign only with newSessionOnCampaign', async () => {
    const sessionOnPage = async (
      url: string,
      newSessionOnCampaign: boolean,
      from?: ReturnType<typeof setupClient>,
    ) => {
      const client = setupClient({ url, referrer: '' }, { newSessionOnCampaign })
      if (from) {
        for (const [k, v] of from.local) client.local.set(k, v)
        for (const [k, v] of from.jar) client.jar.set(k, v)
      }
      client.init()
      await client.rastro.flush()
      return { client, session: contextOf(client.events()[0]!).sessionId }
    }
    const a = await sessionOnPage('https://shop.example/?utm_campaign=spring', true)
    const same = await sessionOnPage('https://shop.example/?utm_campaign=spring', true, a.client)
    expect(same.session).toBe(a.session)
    const kept = await sessionOnPage('https://shop.example/?utm_campaign=summer', false, a.client)
    expect(kept.session).toBe(a.session)
    const renewed = await sessionOnPage('https://shop.example/?utm_campaign=summer', true, a.client)
    expect(renewed.session).not.toBe(a.session)
  })
})

describe("Meta's _fbc and _fbp", () => {
  it('builds them when absent, in Meta format, and rewrites _fbc only for a new fbclid', () => {
    const cookies = createGatedStore([], () => true)
    expect(getMetaCookies(cookies, 'IwAR1', t0, () => 0.5)).toEqual({
      fbc: `fb.1.${t0}.IwAR1`,
      fbp: `fb.1.${t0}.1073741823`,
    })
    expect(getMetaCookies(cookies, 'IwAR1', t0 + 1000, () => 0.1)).toEqual({
      fbc: `fb.1.${t0}.IwAR1`,
      fbp: `fb.1.${t0}.1073741823`,
    })
    expect(getMetaCookies(cookies, 'IwAR2', t0 + 1000, () => 0.1).fbc).toBe(`fb.1.${t0 + 1000}.IwAR2`)
    expect(getMetaCookies(cookies, undefined, t0 + 2000, () => 0.1).fbc).toBe(`fb.1.${t0 + 1000}.IwAR2`)
  })

  it('keeps an _fbc with the appendix Meta’s parameter builder adds, for the same fbclid', () => {
    const cookies = createGatedStore([], () => true)
    cookies.set('_fbc', 'fb.1.1657051589577.IwAR1.AQEAAQMB', 1000)
    expect(getMetaCookies(cookies, 'IwAR1', t0, () => 0.5).fbc).toBe('fb.1.1657051589577.IwAR1.AQEAAQMB')
    expect(getMetaCookies(cookies, 'AQEAAQMB', t0, () => 0.5).fbc).toBe(`fb.1.${t0}.AQEAAQMB`)
  })

  it('sends gtag’s client id and each stream’s session id, GS1 and GS2 cookies alike', async () => {
    const client = setupClient({ url: 'https://shop.example/' }, { pageViews: false })
    client.jar.set('_ga', 'GA1.1.1234567890.1700000000')
    client.jar.set('_ga_ABC123', 'GS1.1.1700000500.3.1.1700000600.0.0.0')
    client.jar.set('_ga_XYZ789', 'GS2.1.s1700000700$o4$g1$t1700000800$j60$l0$h0')
    client.init()
    client.rastro.track('a')
    await client.rastro.flush()
    expect(contextOf(client.events()[0]!).ga4).toEqual({
      clientId: '1234567890.1700000000',
      sessionIds: { 'G-ABC123': '1700000500', 'G-XYZ789': '1700000700' },
    })
    const withoutGtag = setupClient({ url: 'https://shop.example/' }, { pageViews: false })
    withoutGtag.init()
    withoutGtag.rastro.track('a')
    await withoutGtag.rastro.flush()
    expect(contextOf(withoutGtag.events()[0]!).ga4).toBeUndefined()
  })

  it('keeps cookies set by Meta’s Pixel and sends them in context for 90 days', async () => {
    const client = setupClient({ url: 'https://shop.example/' }, { pageViews: false })
    client.jar.set('_fbp', 'fb.1.1700000000000.42')
    client.init()
    client.rastro.track('a')
    await client.rastro.flush()
    expect(contextOf(client.events()[0]!)).toMatchObject({ fbp: 'fb.1.1700000000000.42' })
    expect(contextOf(client.events()[0]!).fbc).toBeUndefined()
    const fresh = setupClient({ url: 'https://shop.example/?fbclid=xyz' }, { pageViews: false })
    fresh.init()
    expect(fresh.cookieWrites.find((c) => c.startsWith('_fbc='))).toBe(
      `_fbc=fb.1.${t0}.xyz; Max-Age=7776000; Path=/; SameSite=Lax; Secure`,
    )
  })
})
