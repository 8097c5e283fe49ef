/**
 * The events the browser SDK sends, for the benchmarks: page views, product tracks, `Page Left`,
 * `Web Vital`, identify (ten per page view), in a `/v1/batch` body as it builds it.
 */
import type { SiteRef } from '../src/config/key-ring.js'

export const BENCH_USER_AGENT =
  'Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36'

export const BENCH_SITE: SiteRef = {
  tenantId: 'bench',
  siteId: 'web',
  allowedOrigins: new Set(),
  retentionDays: 365,
  enrichment: { parseUserAgent: true, detectBots: true, country: true },
  rateLimit: undefined,
}

/** Events per page view in a body: a batch holds the events of a few page views, in order. */
export const EVENTS_PER_PAGE = 10

/** `context` as `@rastro/browser` builds it (get-context.ts, create-rastro.ts, its plugins), key order included. */
function browserContext(i: number, page: { url: string; path: string; referrer: string; search: string }) {
  return {
    library: { name: '@rastro/browser', version: '0.1.0' },
    page: { ...page, title: 'Trail shoes | Shop' },
    locale: 'es-AR',
    screen: { width: 1512, height: 982, density: 2 },
    timezone: 'America/Argentina/Buenos_Aires',
    sessionId: 'ses-1733390000000',
    // The last touch (the landing page's UTM parameters) rides on every event of the session.
    campaign: { source: 'newsletter', medium: 'email', name: 'black-friday' },
    firstTouch: { source: 'google', medium: 'cpc', gclid: 'Cj0KCQiA' },
    engagement: i % EVENTS_PER_PAGE < 3 ? 'low' : 'medium',
    score: 1 + (i % 10),
    consent: { categoryPreferences: { analytics: true, marketing: false } },
  }
}

/** The `i`th event of a browser session: page views, product tracks, Page Left, Web Vital, identify. */
export function browserEvent(i: number, now: number, count: number) {
  const view = Math.floor(i / EVENTS_PER_PAGE)
  // The landing page carries the campaign's UTM parameters; the next ones are clean URLs.
  const search = view === 0 ? '?utm_source=newsletter&utm_medium=email&utm_campaign=black-friday' : ''
  const path = view === 0 ? '/' : `/p/trail-shoe-${view}`
  const url = `https://shop.example${path}${search}`
  const referrer = view === 0 ? 'https://mail.example/' : `https://shop.example/p/trail-shoe-${view - 1}`
  const base = {
    messageId: `0193a6b0-7c1e-7000-8000-${String(i).padStart(12, '0')}`,
    anonymousId: '5f0c8a52-3b1e-4a8e-9a61-2f3c1d7e8b90',
    timestamp: new Date(now - (count - i) * 1000).toISOString(),
    context: browserContext(i, { url, path, referrer, search }),
  }
  switch (i % EVENTS_PER_PAGE) {
    case 0:
      return {
        ...base,
        type: 'page',
        properties: { url, path, referrer, title: 'Trail shoes | Shop', search },
      }
    case 1:
    case 5:
      return {
        ...base,
        type: 'track',
        event: 'Product Viewed',
        properties: {
          product_id: `sku-${i}`,
          name: 'Trail shoe',
          price: 119.9,
          currency: 'EUR',
          position: i,
        },
      }
    case 2:
    case 3:
      return {
        ...base,
        type: 'track',
        event: 'Web Vital',
        properties: {
          name: i % 2 ? 'LCP' : 'FCP',
          value: 1830.4,
          rating: 'good',
          id: `v4-${i}`,
          navigationType: 'navigate',
        },
      }
    case 4:
    case 6:
      return {
        ...base,
        type: 'track',
        event: 'Product Added',
        properties: { product_id: `sku-${i}`, price: 119.9, quantity: 1, currency: 'EUR', cart_id: 'c-1' },
      }
    case 7:
      return {
        ...base,
        type: 'identify',
        userId: 'user-42',
        traits: { email: 'ana@example.com', name: 'Ana', plan: 'pro', createdAt: '2026-01-05T10:00:00.000Z' },
      }
    case 8:
      return {
        ...base,
        type: 'track',
        event: 'CTA Clicked',
        properties: { text: 'Buy now', selector: '#buy' },
      }
    default:
      return {
        ...base,
        type: 'track',
        event: 'Page Left',
        properties: {
          timeOnPageMs: 48_200,
          activeTimeMs: 31_050,
          scrollDepth: 85,
          interactions: 6,
          engagement: 'medium',
        },
      }
  }
}

/** A `/v1/batch` body as the browser SDK's transport joins it (create-body.ts). */
export function browserBody(now: number, count: number): string {
  const items = Array.from({ length: count }, (_, i) => JSON.stringify(browserEvent(i, now, count)))
  return `{"writeKey":"wk_bench","sentAt":"${new Date(now).toISOString()}","batch":[${items.join(',')}]}`
}
