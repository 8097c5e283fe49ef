/**
 * Calls a test's collector as the demo tenant's clients do: the read and CRM APIs with the secret
 * key (Bearer), and batches the way `@rastro/node` sends them (the write key as Basic auth).
 */
import { expect } from 'vitest'
import { demoKeys, type RunningCollector } from './start-collector.js'

/** `method path` with the demo secret key and an optional JSON body; the answer's status and JSON. */
export async function callApi<T = any>(
  collector: RunningCollector,
  method: string,
  path: string,
  body?: unknown,
): Promise<{ status: number; body: T }> {
  const response = await fetch(`${collector.origin}${path}`, {
    method,
    headers: {
      authorization: `Bearer ${demoKeys.secretKey}`,
      ...(body === undefined ? {} : { 'content-type': 'application/json' }),
    },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  })
  return { status: response.status, body: (await response.json()) as T }
}

/** What `@rastro/node` sends (e.g. `identify`, `track('Order Completed')`): one batch; expects a 200. */
export async function sendFromShopServer(
  collector: RunningCollector,
  batch: Record<string, unknown>[],
): Promise<void> {
  const response = await fetch(`${collector.origin}/v1/batch`, {
    method: 'POST',
    headers: {
      authorization: `Basic ${Buffer.from(`${demoKeys.writeKey}:`).toString('base64')}`,
      'content-type': 'application/json',
    },
    body: JSON.stringify({
      batch: batch.map((event) => ({
        messageId: crypto.randomUUID(),
        timestamp: new Date().toISOString(),
        ...event,
      })),
      context: { library: { name: '@rastro/node', version: '0.1.0' } },
      sentAt: new Date().toISOString(),
    }),
  })
  expect(response.status).toBe(200)
}

/**
 * Ana signs in on the shop's server (`identify` as `shop-42`, the landing page lead's email),
 * then pays: `Order Completed` with `properties` (order id, revenue, currency…), sent a moment
 * later so the timeline's order is certain.
 */
export async function sendShopSignInAndOrder(
  collector: RunningCollector,
  properties: Record<string, unknown>,
): Promise<void> {
  await sendFromShopServer(collector, [
    {
      type: 'identify',
      userId: 'shop-42',
      traits: { email: 'ana@example.com', firstName: 'Ana', lastName: 'Souza' },
    },
  ])
  await new Promise((resolve) => setTimeout(resolve, 20))
  await sendFromShopServer(collector, [
    { type: 'track', event: 'Order Completed', userId: 'shop-42', properties },
  ])
}
