/**
 * fromRequest on real requests: a Node `http` server (what Express's `req` is) and a Fastify
 * server, with the cookies the browser SDK and Meta's pixel set, behind a trusted proxy.
 */
import { createServer, type IncomingMessage } from 'node:http'
import type { AddressInfo } from 'node:net'
import Fastify from 'fastify'
import { describe, expect, it } from 'vitest'
import {
  fromRequest,
  getBrowserConsent,
  getBrowserIds,
  parseCookies,
  Rastro,
  type RequestIds,
} from '../src/index.js'

const cookie = [
  'theme=dark',
  'rastro_aid=0b6f3a52-9d7e-4f4b-8c1a-2e5d6f7a8b9c',
  // The browser SDK writes `<sessionId>.<lastActivityMs>` with encodeURIComponent.
  'rastro_sid=019a4f6e-2b1c-7d3e-9f20-5a6b7c8d9e0f.1795300000000',
  // The visitor's choice, as the browser SDK's cookie store writes it (encodeURIComponent of JSON).
  `rastro_consent=${encodeURIComponent(JSON.stringify({ analytics: true, marketing: false }))}`,
  '_fbp=fb.1.1700000000000.1234567890',
  '_fbc=fb.1.1700000000000.IwAR2F4-dbP0l7Mn_AbC%2Fx',
  // gtag's client id and the session of two web streams (GS1 and GS2 formats).
  '_ga=GA1.1.1234567890.1700000000',
  '_ga_ABC123=GS1.1.1700000500.3.1.1700000600.0.0.0',
  '_ga_XYZ789=GS2.1.s1700000700$o4$g1$t1700000800$j60$l0$h0',
].join('; ')
const userAgent = 'Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 Mobile/15E148'
const headers = {
  cookie,
  'user-agent': userAgent,
  referer: 'https://shop.example/checkout?step=2',
  'x-forwarded-for': '198.51.100.23, 10.1.2.3',
}

const expected = (ip: string): RequestIds => ({
  anonymousId: '0b6f3a52-9d7e-4f4b-8c1a-2e5d6f7a8b9c',
  context: {
    ip,
    userAgent,
    sessionId: '019a4f6e-2b1c-7d3e-9f20-5a6b7c8d9e0f',
    consent: { categoryPreferences: { analytics: true, marketing: false } },
    fbp: 'fb.1.1700000000000.1234567890',
    // Meta's click id is passed byte for byte, never decoded.
    fbc: 'fb.1.1700000000000.IwAR2F4-dbP0l7Mn_AbC%2Fx',
    ga4: {
      clientId: '1234567890.1700000000',
      sessionIds: { 'G-ABC123': '1700000500', 'G-XYZ789': '1700000700' },
    },
    page: { url: 'https://shop.example/checkout?step=2' },
  },
})

describe('fromRequest', () => {
  it('reads a Node http (and Express) request', async () => {
    let seen: [RequestIds, RequestIds, RequestIds] | undefined
    const client = new Rastro({
      writeKey: 'wk_test',
      host: 'http://127.0.0.1:9',
      trustProxy: 'loopback, 10.0.0.0/8',
    })
    const server = createServer((req: IncomingMessage, res) => {
      seen = [fromRequest(req), fromRequest(req, { trustProxy: 1 }), client.fromRequest(req)]
      res.end()
    })
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
    const { port } = server.address() as AddressInfo
    await fetch(`http://127.0.0.1:${port}/checkout`, { method: 'POST', headers })
    server.close()
    await client.shutdown()
    expect(seen![0]).toEqual(expected('127.0.0.1'))
    expect(seen![1]).toEqual(expected('10.1.2.3'))
    expect(seen![2]).toEqual(expected('198.51.100.23'))
  })

  it('reads a Fastify request', async () => {
    const app = Fastify()
    let seen: RequestIds | undefined
    app.post('/checkout', async (request) => {
      seen = fromRequest(request, { trustProxy: 2 })
      return {}
    })
    await app.inject({ method: 'POST', url: '/checkout', headers, remoteAddress: '127.0.0.1' })
    await app.close()
    expect(seen).toEqual(expected('198.51.100.23'))
  })

  it('leaves out what the request does not have', () => {
    expect(fromRequest({ headers: {}, socket: { remoteAddress: '192.0.2.1' } })).toEqual({
      context: { ip: '192.0.2.1' },
    })
    expect(fromRequest({ headers: { cookie: 'rastro_aid=; rastro_sid=' } })).toEqual({ context: {} })
  })
})

describe('parseCookies and getBrowserIds', () => {
  it('take the first of two same-named cookies, unquote values and decode only the browser SDK’s', () => {
    const cookies = parseCookies(['rastro_aid="a%2Fb"; x=1', 'rastro_aid=second; broken; _fbc=fb.1.2.%41'])
    expect(cookies.get('rastro_aid')).toBe('a%2Fb')
    expect(getBrowserIds(cookies)).toEqual({ anonymousId: 'a/b', fbc: 'fb.1.2.%41' })
    expect(getBrowserIds(parseCookies('rastro_sid=%E0%A4%A'))).toEqual({ sessionId: '%E0%A4%A' })
    expect(getBrowserIds(parseCookies('rastro_sid=019a-session'))).toEqual({ sessionId: '019a-session' })
  })
})

describe('getBrowserConsent', () => {
  const read = (value: string) => getBrowserConsent(parseCookies(`rastro_consent=${value}`))

  it('keeps the categories the visitor chose, and only booleans of Rastro’s two', () => {
    expect(read(encodeURIComponent('{"marketing":true,"ads":true,"analytics":"yes"}'))).toEqual({
      categoryPreferences: { marketing: true },
    })
    // Unencoded JSON (a cookie set by hand) reads the same.
    expect(read('{"analytics":false,"marketing":false}')).toEqual({
      categoryPreferences: { analytics: false, marketing: false },
    })
  })

  it('gives nothing without a choice, so the tenant’s defaultConsent applies', () => {
    expect(getBrowserConsent(parseCookies('rastro_aid=a'))).toBeUndefined()
    for (const value of ['', 'true', 'null', '%7B', '%E0%A4%A', encodeURIComponent('{"ads":true}')]) {
      expect(read(value)).toBeUndefined()
    }
  })
})
