/**
 * The CRM as the collector mounts it: reachable from a dashboard in a browser (CORS for its
 * methods and headers).
 */
import { randomUUID } from 'node:crypto'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import {
  createForwardingConfig,
  forwardKeys,
  startForwardingCollector,
  type ForwardingCollector,
} from './helpers/start-forwarding-collector.js'

const DASHBOARD = 'https://dashboard.example'
let collector: ForwardingCollector

beforeAll(async () => {
  collector = await startForwardingCollector(createForwardingConfig([]))
})
afterAll(async () => {
  await collector?.stop(true)
})

/** A comma-separated header as lower-case names. */
function toNames(header: string | null): string[] {
  return (header ?? '').split(',').map((name) => name.trim().toLowerCase())
}

function crmFetch(path: string, init: RequestInit & { headers?: Record<string, string> } = {}) {
  return fetch(`${collector.url}${path}`, {
    ...init,
    headers: { authorization: `Bearer ${forwardKeys.secretKey}`, origin: DASHBOARD, ...init.headers },
  })
}

describe('CORS for the CRM', () => {
  it('lets a dashboard on another origin write with If-Match and Idempotency-Key, and read ETag and RateLimit-*', async () => {
    for (const method of ['PATCH', 'PUT', 'DELETE']) {
      const preflight = await fetch(`${collector.url}/v1/crm/contacts/c-1`, {
        method: 'OPTIONS',
        headers: {
          origin: DASHBOARD,
          'access-control-request-method': method,
          'access-control-request-headers': 'authorization,content-type,if-match,idempotency-key',
        },
      })
      expect(preflight.status).toBe(204)
      expect(preflight.headers.get('access-control-allow-origin')).toBe(DASHBOARD)
      expect(toNames(preflight.headers.get('access-control-allow-methods'))).toContain(method.toLowerCase())
      expect(toNames(preflight.headers.get('access-control-allow-headers'))).toEqual(
        expect.arrayContaining(['authorization', 'content-type', 'if-match', 'idempotency-key']),
      )
    }

    const created = await crmFetch('/v1/crm/contacts', {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'idempotency-key': randomUUID() },
      body: JSON.stringify({ email: `cors-${randomUUID()}@example.com` }),
    })
    expect(created.status).toBe(201)
    const exposed = toNames(created.headers.get('access-control-expose-headers'))
    // Every header the dashboard must read is exposed, and the answer carries it.
    for (const header of ['etag', 'location', 'ratelimit-limit', 'ratelimit-remaining', 'ratelimit-reset']) {
      expect(exposed).toContain(header)
      expect(created.headers.get(header)).not.toBeNull()
    }
    expect(exposed).toContain('retry-after')
    const { id } = (await created.json()) as { id: string }
    const patched = await crmFetch(`/v1/crm/contacts/${id}`, {
      method: 'PATCH',
      headers: { 'content-type': 'application/json', 'if-match': created.headers.get('etag')! },
      body: JSON.stringify({ firstName: 'Cora' }),
    })
    expect(patched.status).toBe(200)
    expect(patched.headers.get('access-control-allow-origin')).toBe(DASHBOARD)
  })
})
