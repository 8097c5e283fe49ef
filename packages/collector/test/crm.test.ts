/**
 * The CRM as the collector mounts it: reachable from a dashboard in a browser (CORS for its
 * methods and headers), and its GDPR delete reaching what forwarding keeps about the person
 * (issue 8: "forward log anonymised"), checked table by table in ClickHouse.
 */
import { createHmac, randomUUID } from 'node:crypto'
import { readdirSync, readFileSync } from 'node:fs'
import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { join } from 'node:path'
import { DEFAULT_SCORING_RULES } from '@rastro/crm-api'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import {
  createForwardingConfig,
  forwardKeys,
  queryForwardRows,
  sendBatch,
  startForwardingCollector,
  waitFor,
  waitForRows,
  type ForwardingCollector,
} from './helpers/start-forwarding-collector.js'

const DASHBOARD = 'https://dashboard.example'
const SECRET = 'whsec_test_0123456789abcdef'

let collector: ForwardingCollector
/** Webhook receivers: one takes everything, one is down for an hour, one refuses for good. */
const receivers: Server[] = []

async function startReceiver(status: number, headers: Record<string, string> = {}): Promise<string> {
  const server = createServer((request, response) => {
    request.resume().on('end', () => response.writeHead(status, headers).end())
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  receivers.push(server)
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`
}

beforeAll(async () => {
  const webhook = (id: string, url: string) => ({
    id,
    type: 'webhook' as const,
    url,
    secret: SECRET,
    events: ['Lead Created', 'Order Completed'],
    flushIntervalMs: 0,
  })
  collector = await startForwardingCollector(
    createForwardingConfig(
      [
        webhook('hook', await startReceiver(204)),
        webhook('down', await startReceiver(503, { 'retry-after': '3600' })),
        webhook('refuse', await startReceiver(400)),
      ],
      { analytics: true, marketing: false },
    ),
  )
})
afterAll(async () => {
  await collector?.stop(true)
  for (const server of receivers) server.close()
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

describe('the CRM feed through the collector', () => {
  it('scores an event sent twice once: ingest drops the copy, so the feed keeps no memory of ids', async () => {
    const run = randomUUID().slice(0, 8)
    const identify = (who: string) => ({
      type: 'identify',
      messageId: `identify-${who}-${run}`,
      anonymousId: `anon-${who}-${run}`,
      traits: { email: `${who}.${run}@example.com` },
    })
    const pageView = (who: string) => ({
      type: 'page',
      messageId: `page-${who}-${run}`,
      anonymousId: `anon-${who}-${run}`,
      properties: { path: '/' },
    })
    const contactOf = (who: string) =>
      waitForRows<{ contact_id: string }>(
        collector,
        1,
        `SELECT contact_id FROM crm_identities FINAL WHERE kind = 'email' AND value = {email:String}`,
        { email: `${who}.${run}@example.com` },
      ).then((rows) => rows[0]!.contact_id)
    const scoreOf = async (who: string) => {
      const response = await crmFetch(`/v1/crm/contacts/${await contactOf(who)}/score`)
      return ((await response.json()) as { total: number }).total
    }
    // `twice` and `once` each view a page; `twice`'s view is sent again (a client retry).
    await sendBatch(collector.url, [identify('twice'), pageView('twice'), identify('once'), pageView('once')])
    await sendBatch(collector.url, [pageView('twice')])
    await sendBatch(collector.url, [identify('marker')])
    // The feed's cursor moves once a batch is handled, scores included.
    const log = collector.app.ingestLog
    const end = log.readableEnd
    await waitFor('the CRM feed to handle the log', () => log.openCursor('crm').position >= end)
    expect(await scoreOf('twice')).toBe(await scoreOf('once'))
    // The page view counts: the score is above the email's alone.
    expect(await scoreOf('once')).toBeGreaterThan(await scoreOf('marker'))
  })

  it("fires a signed hot-lead webhook from the feed's thread, scoring with rules the API changed a moment before; app.crm.whenIdle() waits for it", async () => {
    const run = randomUUID().slice(0, 8)
    const deliveries: { headers: Record<string, unknown>; body: string }[] = []
    const receiver = createServer((request, response) => {
      let body = ''
      request.setEncoding('utf8').on('data', (chunk: string) => (body += chunk))
      // Answered half a second late, and counted once answered: a delivery still in flight is not.
      request.on('end', () =>
        setTimeout(
          () => response.writeHead(204).end(() => deliveries.push({ headers: request.headers, body })),
          500,
        ),
      )
    })
    await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve))
    receivers.push(receiver)
    const hookUrl = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/hot`
    const put = (path: string, body: unknown, method = 'POST') =>
      crmFetch(path, { method, headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) })
    const hook = (await (
      await put('/v1/crm/webhooks', { url: hookUrl, events: ['contact.hot_lead'] })
    ).json()) as {
      secret: string
    }
    // The feed scored earlier batches with the default rules; one page view of this path is hot now.
    const rules = {
      groups: [{ name: 'visits', kind: 'engagement', timeFrameDays: 30 }],
      engagement: [{ group: 'visits', type: 'page', pathPrefix: `/hot-${run}`, points: 50 }],
      hotLeadThreshold: 40,
    }
    expect((await put('/v1/crm/scoring/rules', rules, 'PUT')).status).toBe(200)
    try {
      const email = `hot.${run}@example.com`
      const anonymousId = `anon-hot-${run}`
      await sendBatch(collector.url, [
        { type: 'identify', messageId: `hot-identify-${run}`, anonymousId, traits: { email } },
        { type: 'page', messageId: `hot-page-${run}`, anonymousId, properties: { path: `/hot-${run}` } },
      ])
      // Once the feed has read the batch, whenIdle waits for the worker's delivery: no polling.
      await waitFor('the CRM feed to read the batch', () => collector.app.ingestLog.getLag('crm').bytes === 0)
      await collector.app.crm.whenIdle()
      expect(deliveries).toHaveLength(1)
      const delivery = deliveries[0]!
      const body = JSON.parse(delivery.body) as { event: string; data: { contact: { email: string } } }
      expect(body.event).toBe('contact.hot_lead')
      expect(body.data.contact.email).toBe(email)
      // The scheme of every Rastro webhook (the forwarding's too), computed independently.
      const timestamp = String(delivery.headers['x-rastro-timestamp'])
      expect(delivery.headers['x-rastro-signature']).toBe(
        createHmac('sha256', hook.secret).update(`${timestamp}.${delivery.body}`).digest('hex'),
      )
    } finally {
      await put('/v1/crm/scoring/rules', DEFAULT_SCORING_RULES, 'PUT')
    }
  })
})

describe('GDPR delete through the collector', () => {
  it('anonymises the forward log and deletes forwarded ledger, retry and dead-letter rows with the events', async () => {
    const run = randomUUID().slice(0, 8)
    const email = `gdpr.${run}@example.com`
    const anonymousId = `anon-${run}`
    const userId = `user-${run}`
    const ids = {
      page: `page-${run}`,
      lead: `lead-${run}`,
      identify: `identify-${run}`,
      order: `order-${run}`,
      other: `other-${run}`,
      heatmap: `heatmap-${run}`,
    }
    await sendBatch(collector.url, [
      { type: 'page', messageId: ids.page, anonymousId, properties: { path: '/' } },
      {
        type: 'track',
        event: 'Lead Created',
        messageId: ids.lead,
        anonymousId,
        properties: { email, lead_id: `L-${run}` },
      },
      { type: 'identify', messageId: ids.identify, anonymousId, userId, traits: { email } },
      {
        type: 'track',
        event: 'Order Completed',
        messageId: ids.order,
        userId,
        properties: { order_id: `O-${run}`, currency: 'EUR', value: 30 },
        context: { traits: { email } },
      },
      // Their clicks: the points go with the event.
      {
        type: 'track',
        event: '$heatmap',
        messageId: ids.heatmap,
        anonymousId,
        properties: { points: [{ x: 10, y: 20, w: 1280, s: 'a.cta', ox: 0.5, oy: 0.5 }] },
        context: { page: { url: 'https://shop.example/' } },
      },
      // Someone else's order: forwarded alike, and kept.
      {
        type: 'track',
        event: 'Order Completed',
        messageId: ids.other,
        anonymousId: `someone-else-${run}`,
        properties: { order_id: `O-other-${run}`, currency: 'EUR', value: 12 },
      },
    ])
    const forwarded = [ids.lead, ids.order, ids.other]
    const params = { ids: forwarded }
    // Delivered to `hook` (ledger), parked for `down` (retries), dead-lettered by `refuse`.
    await waitForRows(
      collector,
      6,
      `SELECT 1 FROM forward_ledger WHERE event_id IN {ids:Array(String)}`,
      params,
    )
    await waitForRows(
      collector,
      3,
      `SELECT 1 FROM forward_retries WHERE event_id IN {ids:Array(String)}`,
      params,
    )
    await waitForRows(
      collector,
      3,
      `SELECT 1 FROM forward_dead_letters WHERE event_id IN {ids:Array(String)}`,
      params,
    )
    // The audit rows come last in each write: one attempt per event and destination.
    await waitForRows(collector, 9, `SELECT 1 FROM forward_log WHERE event_id IN {ids:Array(String)}`, params)
    await waitForRows(collector, 1, `SELECT 1 FROM crm_identities WHERE value = {email:String}`, { email })
    await collector.app.whenStored()
    const logRows = await queryForwardRows<{ event_id: string }>(
      collector,
      `SELECT event_id FROM forward_log WHERE event_id IN {ids:Array(String)}`,
      params,
    )
    const personLogRows = logRows.filter((row) => row.event_id !== ids.other).length
    expect(personLogRows).toBe(6)

    const response = await crmFetch('/v1/crm/gdpr/delete', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ email: email.toUpperCase() }),
    })
    const answer = (await response.json()) as { erased: Record<string, number> }
    expect(response.status).toBe(200)
    expect(answer.erased).toMatchObject({
      events: 5,
      heatmap_clicks: 1,
      forward_log: personLogRows,
      forward_ledger: 4,
      forward_retries: 2,
      forward_dead_letters: 2,
    })

    const needles = [email, anonymousId, userId, ids.page, ids.lead, ids.identify, ids.order, ids.heatmap]
    const tables = await queryForwardRows<{ name: string }>(
      collector,
      `SELECT name FROM system.tables WHERE database = currentDatabase() AND engine LIKE '%MergeTree%'`,
    )
    expect(tables.map((table) => table.name)).toEqual(
      expect.arrayContaining([
        'events',
        'forward_log',
        'forward_ledger',
        'forward_retries',
        'forward_dead_letters',
        'heatmap_clicks',
      ]),
    )
    for (const { name } of tables) {
      // Every row, every column, every version: nothing mentions the person, bar the erasure's own audit row.
      const hits = await queryForwardRows<Record<string, unknown>>(
        collector,
        `SELECT * FROM ${name} WHERE multiSearchAny(toJSONString(tuple(*)), {needles:Array(String)})`,
        { needles },
      )
      const leftovers = hits.filter((row) => !(name === 'crm_changes' && row.action === 'gdpr.deleted'))
      expect({ table: name, leftovers }).toEqual({ table: name, leftovers: [] })
    }
    // The log's raw copies: the delete started a new log segment, and the one holding them is
    // deleted once every consumer (the writer, the CRM, each destination) has read it.
    const logDir = join(collector.dataDir, 'log')
    const inLog = () =>
      readdirSync(logDir)
        .filter((file) => file.endsWith('.seg'))
        .filter((file) => needles.some((needle) => readFileSync(join(logDir, file)).includes(needle)))
    await waitFor('the log segment holding the person to go', async () => inLog().length === 0)
    // The audit keeps its rows, so the counts per outcome stay right; the other person is untouched.
    const [anonymised] = await queryForwardRows<{ n: string }>(
      collector,
      `SELECT count() AS n FROM forward_log WHERE tenant_id = 'shop' AND event_id = ''`,
    )
    expect(Number(anonymised!.n)).toBe(personLogRows)
    for (const table of ['forward_ledger', 'forward_retries', 'forward_dead_letters']) {
      const kept = await queryForwardRows(collector, `SELECT 1 FROM ${table} WHERE event_id = {id:String}`, {
        id: ids.other,
      })
      expect({ table, kept: kept.length }).toEqual({ table, kept: table === 'forward_ledger' ? 2 : 1 })
    }
  })
})
