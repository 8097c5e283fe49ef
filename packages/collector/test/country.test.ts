/**
 * The visitor's country from the client IP, against the real collector on the embedded
 * ClickHouse and the bundled country database: stored in `events.country`, empty for private
 * addresses and when the tenant turns it off, the sender's `context.location.country` first,
 * and counted by the analytics countries breakdown.
 */
import { randomUUID } from 'node:crypto'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createServer, loadConfig } from '../src/index.js'
import {
  keys,
  queryRows,
  startCollector,
  testConfig,
  type RunningCollector,
} from './helpers/start-collector.js'

let collector: RunningCollector
const offKey = 'wk_test_country_off'

beforeAll(async () => {
  collector = await startCollector({
    config: {
      ...testConfig,
      tenants: [
        ...testConfig.tenants,
        {
          id: 'nocountry',
          enrichment: { country: false },
          sites: [{ id: 'web', writeKey: offKey }],
          secretKeys: [{ key: 'sk_test_secret_key_no_country', role: 'owner' }],
        },
      ],
    },
  })
})
afterAll(async () => {
  await collector?.stop()
})

/**
 * Sends page views as a server SDK does (`context.ip` is the visitor's) and returns each one's
 * stored `country` and `ip`, in the order sent.
 */
async function store(
  contexts: Record<string, unknown>[],
  writeKey = keys.writeKey,
): Promise<{ country: string; ip: string }[]> {
  const batch = contexts.map((context, i) => ({
    type: 'page',
    messageId: randomUUID(),
    anonymousId: `visitor-${i}-${randomUUID()}`,
    context: { page: { url: 'https://shop.example/', path: '/' }, ...context },
  }))
  const response = await fetch(`${collector.url}/v1/batch`, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      authorization: `Basic ${Buffer.from(`${writeKey}:`).toString('base64')}`,
    },
    body: JSON.stringify({ batch }),
  })
  expect(await response.json()).toMatchObject({ accepted: contexts.length, rejected: [] })
  const rows = await queryRows<{ message_id: string; country: string; ip: string; context_ip: string }>(
    collector,
    `SELECT message_id, country, ip, JSONExtractString(context, 'ip') AS context_ip
     FROM events WHERE message_id IN {ids:Array(String)}`,
    { ids: batch.map((event) => event.messageId) },
  )
  return batch.map((event) => {
    const row = rows.find((candidate) => candidate.message_id === event.messageId)!
    // The context a server sent keeps no full address either: its `ip` is the anonymised one.
    if ('ip' in event.context) expect(row.context_ip).toBe(row.ip)
    return { country: row.country, ip: row.ip }
  })
}

describe('country from the IP', () => {
  it('looks up public IPv4, IPv6 and IPv4-mapped addresses, and stores the IP anonymised, in the context too', async () => {
    // RIPE NCC's own blocks (Amsterdam) and Google Public DNS: registered there for decades.
    expect(
      await store([
        { ip: '193.0.0.1' },
        { ip: '2001:67c:2e8:22::c100:68b' },
        { ip: '8.8.8.8' },
        { ip: '::ffff:8.8.4.4' },
      ]),
    ).toEqual([
      { country: 'NL', ip: '193.0.0.0' },
      { country: 'NL', ip: '2001:67c:2e8::' },
      { country: 'US', ip: '8.8.8.0' },
      { country: 'US', ip: '8.8.4.0' },
    ])
  })

  it('leaves it empty for private, loopback, link-local, documentation and invalid addresses', async () => {
    // The connection's own address here is 127.0.0.1 (no context.ip); the npm data maps
    // 192.168/16 and 203.0.113/24 to AU, which the special-purpose check keeps out.
    const rows = await store([
      {},
      { ip: '10.1.2.3' },
      { ip: '192.168.1.1' },
      { ip: '100.64.0.1' },
      { ip: '203.0.113.5' },
      { ip: 'fd00::1' },
      { ip: 'fe80::1' },
      { ip: '2001:db8::1' },
      { ip: 'not an ip' },
    ])
    expect(rows.map((row) => row.country)).toEqual(['', '', '', '', '', '', '', '', ''])
  })

  it("keeps the sender's context.location.country, as a code or an English name, over the IP's", async () => {
    const rows = await store([
      { ip: '8.8.8.8', location: { country: 'Spain', city: 'Madrid' } },
      { ip: '8.8.8.8', location: { country: 'fr' } },
      { ip: '193.0.0.1', location: { country: 'Atlantis' } },
      { ip: '193.0.0.1', location: 'ES' },
    ])
    expect(rows.map((row) => row.country)).toEqual(['ES', 'FR', 'NL', 'NL'])
  })

  it('looks nothing up for a tenant with enrichment.country off, but keeps a given country', async () => {
    const rows = await store([{ ip: '8.8.8.8' }, { ip: '8.8.8.8', location: { country: 'DE' } }], offKey)
    expect(rows.map((row) => row.country)).toEqual(['', 'DE'])
  })

  it('counts sessions by country in the analytics breakdown, empty ones as (unknown)', async () => {
    const response = await fetch(`${collector.url}/v1/analytics/breakdown?by=countries`, {
      headers: { authorization: 'Bearer sk_test_secret_key_no_country' },
    })
    const body = (await response.json()) as { breakdowns: { results: unknown[] }[] }
    expect(body.breakdowns[0]!.results).toEqual([
      { value: '(unknown)', visitors: 1, count: 1 },
      { value: 'DE', visitors: 1, count: 1 },
    ])
  })
})

describe('countryDbPath', () => {
  it('is read from RASTRO_COUNTRY_DB_PATH, and a file that cannot be read stops the start naming the setting', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'rastro-country-'))
    const config = loadConfig({
      env: { RASTRO_COUNTRY_DB_PATH: '/nonexistent/countries.mmdb' },
      flags: { dataDir },
    })
    rmSync(dataDir, { recursive: true, force: true })
    expect(config.settings.countryDbPath).toBe('/nonexistent/countries.mmdb')
    await expect(createServer({ config })).rejects.toMatchObject({
      code: 'RASTRO_ERR_CONFIG_INVALID',
      field: 'countryDbPath',
    })
  })
})
