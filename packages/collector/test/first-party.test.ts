/**
 * First-party serving against the real collector: a site's neutral script and events paths, and
 * Meta's `_fbp`/`_fbc` set as server-set cookies on the answer to its events.
 */
import { readFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { ConfigFile } from '../src/index.js'
import { queryRows, startCollector, type RunningCollector } from './helpers/start-collector.js'

const SHOP_KEY = 'wk_first_party_shop'
const PLAIN_KEY = 'wk_third_party_blog'
/** A site whose tenant keeps the default consent (denied until the visitor allows). */
const ASKING_KEY = 'wk_first_party_asking_shop'

const config: ConfigFile = {
  tenants: [
    {
      id: 'fp',
      sites: [
        {
          id: 'shop',
          writeKey: SHOP_KEY,
          allowedOrigins: ['https://shop.example'],
          paths: { script: '/assets/app-4f2c.js', events: '/api/e' },
          firstPartyCookies: true,
          cookieDomain: 'shop.example',
        },
        { id: 'blog', writeKey: PLAIN_KEY, allowedOrigins: ['*'] },
      ],
      secretKeys: [{ key: 'sk_first_party_tenant_key', role: 'owner' }],
      // A shop that needs no consent banner where it sells: events that state none allow ad cookies.
      defaultConsent: { analytics: true, marketing: true },
    },
    {
      id: 'fpasks',
      sites: [
        {
          id: 'shop',
          writeKey: ASKING_KEY,
          allowedOrigins: ['https://shop.example'],
          firstPartyCookies: true,
        },
      ],
      secretKeys: [{ key: 'sk_first_party_asking_key', role: 'owner' }],
    },
  ],
}

let collector: RunningCollector

beforeAll(async () => {
  // One trusted proxy in front (the shop's), which says whether the page was https.
  collector = await startCollector({ config, settings: { trustProxy: 1 } })
})
afterAll(async () => {
  await collector?.stop()
})

let seq = 0
const id = (prefix: string) => `${prefix}-${Date.now()}-${++seq}`
const NINETY_DAYS_S = 90 * 86_400

function event(context: Record<string, unknown> = {}) {
  return { type: 'page', messageId: id('fp'), anonymousId: 'fp-visitor', context }
}

async function postEvents(
  batch: unknown[],
  options: { path?: string; key?: string; headers?: Record<string, string> } = {},
) {
  const response = await fetch(`${collector.url}${options.path ?? '/api/e'}`, {
    method: 'POST',
    // What the browser SDK sends from a page: text/plain (no preflight), the key in the body.
    headers: { 'content-type': 'text/plain', origin: 'https://shop.example', ...options.headers },
    body: JSON.stringify({ batch, writeKey: options.key ?? SHOP_KEY }),
  })
  return {
    status: response.status,
    body: (await response.json()) as Record<string, any>,
    cookies: response.headers.getSetCookie(),
    headers: response.headers,
  }
}

/** `name` → `{ value, attributes }` of the Set-Cookie headers. */
function parseSetCookies(
  cookies: string[],
): Record<'_fbp' | '_fbc', { value: string; attributes: string[] }> {
  return Object.fromEntries(
    cookies.map((cookie) => {
      const [pair, ...attributes] = cookie.split('; ')
      const [name, value] = pair!.split('=') as [string, string]
      return [name, { value, attributes }]
    }),
  ) as Record<'_fbp' | '_fbc', { value: string; attributes: string[] }>
}

describe('neutral paths', () => {
  it('serves the browser SDK at the script path, byte for byte', async () => {
    const require = createRequire(import.meta.url)
    const expected = readFileSync(require.resolve('@rastro/browser/rastro.js'))
    const response = await fetch(`${collector.url}/assets/app-4f2c.js`)
    expect(response.status).toBe(200)
    expect(response.headers.get('content-type')).toMatch(/^application\/javascript/)
    expect(Buffer.from(await response.arrayBuffer()).equals(expected)).toBe(true)
    // The chunks the script loads from its own folder (Core Web Vitals, heatmaps) are beside it.
    for (const chunk of ['rastro-vitals.js', 'rastro-heatmaps.js']) {
      const served = await fetch(`${collector.url}/assets/${chunk}`)
      expect(served.status).toBe(200)
      const bytes = readFileSync(require.resolve(`@rastro/browser/${chunk}`))
      expect(Buffer.from(await served.arrayBuffer()).equals(bytes)).toBe(true)
    }
  })

  it('takes batches at the events path as /v1/batch does, with the site’s origin rules', async () => {
    const good = event()
    const result = await postEvents([good, { type: 'track', anonymousId: 'a' }])
    expect(result.status).toBe(200)
    expect(result.body).toMatchObject({
      ok: true,
      accepted: 1,
      rejected: [{ index: 1, code: 'RASTRO_ERR_EVENT_INVALID', field: 'event' }],
    })
    expect(result.headers.get('access-control-allow-origin')).toBe('https://shop.example')
    const rows = await queryRows(
      collector,
      'SELECT tenant_id, site_id FROM events WHERE message_id = {id:String}',
      {
        id: good.messageId,
      },
    )
    expect(rows).toEqual([{ tenant_id: 'fp', site_id: 'shop' }])

    const foreign = await postEvents([event()], { headers: { origin: 'https://evil.example' } })
    expect(foreign).toMatchObject({
      status: 403,
      body: { error: { code: 'RASTRO_ERR_INGEST_ORIGIN_NOT_ALLOWED' } },
    })
    const preflight = await fetch(`${collector.url}/api/e`, {
      method: 'OPTIONS',
      headers: { origin: 'https://shop.example', 'access-control-request-method': 'POST' },
    })
    expect(preflight.status).toBe(204)
    expect(preflight.headers.get('access-control-allow-methods')).toContain('POST')
    expect((await fetch(`${collector.url}/api/other`, { method: 'POST' })).status).toBe(404)
  })
})

describe('server-set _fbp and _fbc', () => {
  it('makes _fbp, and _fbc from the page URL’s fbclid, as 90-day Lax cookies, Secure over https', async () => {
    const before = Date.now()
    const result = await postEvents(
      [event({ page: { url: 'https://shop.example/p/1?fbclid=IwAR3xYz_-9' } })],
      {
        headers: { 'x-forwarded-proto': 'https' },
      },
    )
    expect(result.status).toBe(200)
    const cookies = parseSetCookies(result.cookies)
    expect(Object.keys(cookies)).toEqual(['_fbp', '_fbc'])
    const attributes = [`Max-Age=${NINETY_DAYS_S}`, 'Path=/', 'Domain=shop.example', 'SameSite=Lax', 'Secure']
    expect(cookies._fbp.attributes).toEqual(attributes)
    expect(cookies._fbc.attributes).toEqual(attributes)
    const [, , fbpMs] = cookies._fbp.value.split('.')
    expect(cookies._fbp.value).toMatch(/^fb\.1\.\d{13}\.\d{10}$/)
    expect(Number(fbpMs)).toBeGreaterThanOrEqual(before)
    expect(cookies._fbc.value).toMatch(/^fb\.1\.\d{13}\.IwAR3xYz_-9$/)

    const plain = parseSetCookies((await postEvents([event()])).cookies)
    expect(plain._fbp.attributes).not.toContain('Secure')
    expect(plain._fbc).toBeUndefined()
  })

  it('keeps the browser’s cookies, replacing _fbc only for a new fbclid', async () => {
    const cookie = '_ga=GA1.1.1; _fbp=fb.1.1700000000000.1234567890; _fbc=fb.1.1700000000000.OLD'
    const kept = parseSetCookies((await postEvents([event()], { headers: { cookie } })).cookies)
    expect(kept._fbp.value).toBe('fb.1.1700000000000.1234567890')
    expect(kept._fbc.value).toBe('fb.1.1700000000000.OLD')
    const sameClick = parseSetCookies(
      (
        await postEvents([event({ page: { url: 'https://shop.example/?fbclid=OLD' } })], {
          headers: { cookie },
        })
      ).cookies,
    )
    expect(sameClick._fbc.value).toBe('fb.1.1700000000000.OLD')
    const withAppendix = parseSetCookies(
      (
        await postEvents([event({ page: { url: 'https://shop.example/?fbclid=OLD' } })], {
          headers: { cookie: '_fbc=fb.1.1700000000000.OLD.AQEAAQMB' },
        })
      ).cookies,
    )
    expect(withAppendix._fbc.value).toBe('fb.1.1700000000000.OLD.AQEAAQMB')
    const newClick = parseSetCookies(
      (
        await postEvents([event({ page: { url: 'https://shop.example/?fbclid=NEW' } })], {
          headers: { cookie },
        })
      ).cookies,
    )
    expect(newClick._fbp.value).toBe('fb.1.1700000000000.1234567890')
    expect(newClick._fbc.value).toMatch(/^fb\.1\.\d{13}\.NEW$/)
    expect(newClick._fbc.value).not.toBe('fb.1.1700000000000.NEW')
    // Without the cookies (e.g. not sent on this request), the SDK's context.fbp/fbc stand in for them.
    const fromContext = parseSetCookies(
      (await postEvents([event({ fbp: 'fb.1.1700000000001.987654321', fbc: 'fb.1.1700000000001.CTX' })]))
        .cookies,
    )
    expect(fromContext._fbp.value).toBe('fb.1.1700000000001.987654321')
    expect(fromContext._fbc.value).toBe('fb.1.1700000000001.CTX')
    // A value no Meta script could have made is replaced, never echoed.
    const forged = parseSetCookies(
      (await postEvents([event()], { headers: { cookie: '_fbp=x%0D%0ASet-Cookie:%20a=b' } })).cookies,
    )
    expect(forged._fbp.value).toMatch(/^fb\.1\.\d{13}\.\d{10}$/)
  })

  it('sets nothing without marketing consent (stated, else the tenant’s default), for a site without the switch, or when no event was kept', async () => {
    const denied = { consent: { categoryPreferences: { analytics: true, marketing: false } } }
    expect((await postEvents([event(denied)])).cookies).toEqual([])
    const granted = { consent: { categoryPreferences: { analytics: true, marketing: true } } }
    // The latest consent stated wins.
    expect((await postEvents([event(denied), event(granted)])).cookies).toHaveLength(1)
    expect((await postEvents([event(granted), event(denied)])).cookies).toEqual([])
    const blog = await postEvents([event()], { key: PLAIN_KEY, path: '/v1/batch' })
    expect(blog.status).toBe(200)
    expect(blog.cookies).toEqual([])
    expect((await postEvents([{ type: 'track', anonymousId: 'a' }])).cookies).toEqual([])
    // With the default consent (denied), events that state none get no cookie; a stated yes does.
    const asking = (context: Record<string, unknown>) =>
      postEvents([event(context)], { key: ASKING_KEY, path: '/v1/batch' })
    expect((await asking({})).cookies).toEqual([])
    expect((await asking(granted)).cookies).toHaveLength(1)
  })
})
