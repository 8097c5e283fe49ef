/**
 * Starts the collector with forwarding destinations, on a data dir that can outlive it (to test
 * restarts), plus the calls the forwarding tests share: ingest a batch, read `/v1/destinations`,
 * wait for a condition.
 */
import type { ConfigFile } from '../../src/index.js'
import { startCollector, type RunningCollector } from './start-collector.js'

export const forwardKeys = {
  writeKey: 'wk_forward_web',
  secretKey: 'sk_forward_owner_key_01',
  viewerKey: 'sk_forward_viewer_key_01',
}

type Destinations = NonNullable<ConfigFile['tenants'][number]['destinations']>

/** A one-tenant config (`shop`) with these destinations and default consent. */
export function createForwardingConfig(
  destinations: Destinations,
  defaultConsent?: { analytics?: boolean; marketing?: boolean },
): ConfigFile {
  return {
    tenants: [
      {
        id: 'shop',
        sites: [{ id: 'web', writeKey: forwardKeys.writeKey }],
        secretKeys: [
          { key: forwardKeys.secretKey, role: 'owner' },
          { key: forwardKeys.viewerKey, role: 'viewer' },
        ],
        destinations,
        ...(defaultConsent ? { defaultConsent } : {}),
      },
    ],
  }
}

export interface ForwardingCollector extends Omit<RunningCollector, 'stop'> {
  /** Stops the collector; its data dir stays unless `remove`. */
  stop(remove?: boolean): Promise<void>
}

/** {@link startCollector} with `config`, on `dataDir` when given (a restart). */
export async function startForwardingCollector(
  config: ConfigFile,
  dataDir?: string,
): Promise<ForwardingCollector> {
  const collector = await startCollector({ config, ...(dataDir ? { dataDir } : {}) })
  return { ...collector, stop: (remove = false) => collector.stop({ keepData: !remove }) }
}

/** POSTs a batch with the site's write key; returns the JSON answer. */
export async function sendBatch(
  url: string,
  batch: unknown[],
  headers: Record<string, string> = {},
): Promise<any> {
  const response = await fetch(`${url}/v1/batch`, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      authorization: `Basic ${Buffer.from(`${forwardKeys.writeKey}:`).toString('base64')}`,
      ...headers,
    },
    body: JSON.stringify({ batch }),
  })
  const body = await response.json()
  if (response.status !== 200) throw new Error(`ingest answered ${response.status}: ${JSON.stringify(body)}`)
  return body
}

/** `GET /v1/destinations` with the owner key. */
export async function getDestinations(
  url: string,
  key = forwardKeys.secretKey,
): Promise<{ status: number; body: any }> {
  const response = await fetch(`${url}/v1/destinations`, { headers: { authorization: `Bearer ${key}` } })
  return { status: response.status, body: await response.json() }
}

/** One destination of `GET /v1/destinations`. */
export async function getDestination(url: string, id: string): Promise<any> {
  const { body } = await getDestinations(url)
  return body.destinations.find((destination: any) => destination.id === id)
}

/** Polls `check` until it returns a truthy value; throws with `what` after `timeoutMs`. */
export async function waitFor<T>(
  what: string,
  check: () => T | Promise<T>,
  timeoutMs = 15_000,
): Promise<Exclude<T, undefined | null | false | 0 | ''>> {
  const deadline = Date.now() + timeoutMs
  for (;;) {
    const value = await check()
    if (value) return value as Exclude<T, undefined | null | false | 0 | ''>
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`)
    await new Promise((resolve) => setTimeout(resolve, 50))
  }
}

/** Rows of a query once there are at least `count` (forwarding writes its rows after each request). */
export async function waitForRows<T = Record<string, unknown>>(
  collector: ForwardingCollector,
  count: number,
  query: string,
  params: Record<string, unknown> = {},
): Promise<T[]> {
  return waitFor(`${count} rows of ${query}`, async () => {
    const rows = await queryForwardRows<T>(collector, query, params)
    return rows.length >= count ? rows : undefined
  })
}

/** Rows of a query on the collector's ClickHouse. */
export async function queryForwardRows<T = Record<string, unknown>>(
  collector: ForwardingCollector,
  query: string,
  params: Record<string, unknown> = {},
): Promise<T[]> {
  const result = await collector.app.store.client.query({
    query,
    query_params: params,
    format: 'JSONEachRow',
  })
  return result.json<T>()
}
