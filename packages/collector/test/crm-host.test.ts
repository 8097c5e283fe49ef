/**
 * The fleet's CRM on one collector (`crmFeed: "host"`), fed by another (`crmFeed: "remote"`):
 * the sender's events reach the host's CRM through `POST /v1/internal/crm-feed`, its `/v1/crm/`
 * requests are proxied to the host, the same person seen on both at once is one contact, and a
 * host that is out costs the sender nothing but time. Both collectors share one embedded
 * ClickHouse, as a fleet shares its ClickHouse server.
 */
import { createServer as createHttpServer, request as httpRequest, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { CRM_FEED_COLUMNS_HEADER, EVENT_COLUMNS_HEADER } from '../src/crm-feed/crm-feed-wire.js'
import { createStore } from '../src/store/create-store-client.js'
import { pageView } from './helpers/page-view.js'
import { waitFor } from './helpers/start-forwarding-collector.js'
import { keys, postBatch, startCollector, type RunningCollector } from './helpers/start-collector.js'

/**
 * An HTTP pass-through to `target` that can be taken down (connections refused) and brought
 * back on the same port: the CRM host as its senders see it, through an outage.
 */
async function startPassThrough(target: string) {
  const server: Server = createHttpServer((request, response) => {
    const upstream = httpRequest(new URL(request.url!, target), {
      method: request.method,
      headers: request.headers,
    })
    upstream.on('response', (answer) => {
      response.writeHead(answer.statusCode!, answer.headers)
      answer.pipe(response)
    })
    upstream.on('error', () => response.destroy())
    request.pipe(upstream)
  })
  const listen = (port: number) => new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve))
  await listen(0)
  const { port } = server.address() as AddressInfo
  return {
    url: `http://127.0.0.1:${port}`,
    async stop() {
      server.closeAllConnections()
      await new Promise((resolve) => server.close(resolve))
    },
    start: () => listen(port),
  }
}

const owner = { authorization: `Bearer ${keys.secretKey}` }

let host: RunningCollector
let sender: RunningCollector
let toHost: Awaited<ReturnType<typeof startPassThrough>>

beforeAll(async () => {
  host = await startCollector({ settings: { crmFeed: 'host' } })
  toHost = await startPassThrough(host.url)
  sender = await startCollector({
    // Its warnings while the host is out (each failed attempt) are expected here.
    settings: { crmFeed: 'remote', crmHostUrl: toHost.url, crmHostKey: keys.adminKey, logLevel: 'error' },
    store: createStore({ dataDir: host.dataDir }),
  })
})

afterAll(async () => {
  await sender?.stop()
  await toHost?.stop()
  await host?.stop()
})

/** The host's contacts whose email, name or phone matches `q`. */
async function findContacts(q: string): Promise<any[]> {
  const response = await fetch(`${host.url}/v1/crm/contacts?q=${encodeURIComponent(q)}`, { headers: owner })
  return ((await response.json()) as { results: any[] }).results
}

/** The host's contacts matching `q`, once there is one (15 s at most). */
const waitForContacts = (q: string) =>
  waitFor(`a contact matching ${q}`, async () => {
    const contacts = await findContacts(q)
    return contacts.length > 0 ? contacts : undefined
  })

/** Rows of a query on the shared ClickHouse. */
async function queryShared<T>(query: string): Promise<T[]> {
  return (await host.app.store.client.query({ query, format: 'JSONEachRow' })).json<T>()
}

const identify = (messageId: string, anonymousId: string, email: string) => ({
  type: 'identify',
  messageId,
  anonymousId,
  traits: { email, name: 'Ana Host' },
})

describe('a fleet with one CRM host', () => {
  it("puts the sender's events in the host's CRM, and answers the sender's CRM requests from the host", async () => {
    const email = `ana-${Date.now()}@example.com`
    const sent = await postBatch(sender, [
      pageView('remote-1', 'ana-remote', '/pricing'),
      identify('remote-2', 'ana-remote', email),
    ])
    expect(sent.status).toBe(200)
    const [contact] = await waitForContacts(email)
    expect(contact).toMatchObject({ email, firstName: 'Ana', lastName: 'Host' })

    // Through the sender: the same contact, answered by the host; a write lands there.
    const read = await fetch(`${sender.url}/v1/crm/contacts/${contact.id}`, { headers: owner })
    expect(read.status).toBe(200)
    expect(await read.json()).toMatchObject({
      id: contact.id,
      identities: expect.arrayContaining([{ kind: 'anon_id', value: 'ana-remote' }]),
    })
    const patched = await fetch(`${sender.url}/v1/crm/contacts/${contact.id}`, {
      method: 'PATCH',
      headers: { ...owner, 'content-type': 'application/json' },
      body: JSON.stringify({ lastName: 'Buyer' }),
    })
    expect(patched.status).toBe(200)
    const onHost = await fetch(`${host.url}/v1/crm/contacts/${contact.id}`, { headers: owner })
    expect(await onHost.json()).toMatchObject({ lastName: 'Buyer' })
    // The dashboard's session, made on the sender, is the host's to check (sessions live in ClickHouse).
    const signIn = await fetch(`${sender.url}/app/api/session`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ key: keys.secretKey }),
    })
    const cookie = signIn.headers.get('set-cookie')!.split(';')[0]!
    const withSession = await fetch(`${sender.url}/v1/crm/contacts/${contact.id}`, { headers: { cookie } })
    expect(withSession.status).toBe(200)
    // A CSV import (the body passed on as it came) and a stale If-Match (the host's 412).
    const csvEmail = `csv-${Date.now()}@example.com`
    const imported = await fetch(`${sender.url}/v1/crm/imports/contacts`, {
      method: 'POST',
      headers: { ...owner, 'content-type': 'text/csv' },
      body: `email,first_name\n${csvEmail},Bea\n`,
    })
    expect(imported.status).toBe(200)
    expect(await waitForContacts(csvEmail)).toMatchObject([{ firstName: 'Bea' }])
    const stale = await fetch(`${sender.url}/v1/crm/contacts/${contact.id}`, {
      method: 'PATCH',
      headers: { ...owner, 'content-type': 'application/json', 'if-match': '"1"' },
      body: JSON.stringify({ lastName: 'Late' }),
    })
    expect(stale.status).toBe(412)
    // The host's errors come back as they are.
    const missing = await fetch(`${sender.url}/v1/crm/contacts/no-such-contact`, { headers: owner })
    expect(missing.status).toBe(404)
    expect(await missing.json()).toMatchObject({ code: 'RASTRO_ERR_CRM_NOT_FOUND' })
  })

  it('makes one contact of a person identified on both collectors at the same moment', async () => {
    const run = Date.now()
    const emails = Array.from({ length: 20 }, (_, i) => `twice-${run}-${i}@example.com`)
    const responses = await Promise.all(
      emails.flatMap((email, i) => [
        postBatch(host, [identify(`both-h-${run}-${i}`, `visitor-h-${run}-${i}`, email)]),
        postBatch(sender, [identify(`both-s-${run}-${i}`, `visitor-s-${run}-${i}`, email)]),
      ]),
    )
    expect(responses.map((response) => response.status)).toEqual(responses.map(() => 200))
    // Once both visitors of every email are known to the CRM…
    const identities = await waitFor('both visitors of every email', async () => {
      const rows = await queryShared<{ kind: string; value: string; contact_id: string }>(
        `SELECT kind, value, contact_id FROM crm_identities FINAL
         WHERE value LIKE 'twice-${run}-%' OR value LIKE 'visitor-_-${run}-%'`,
      )
      return rows.length === emails.length * 3 ? rows : undefined
    })
    const contactOf = new Map(identities.map((row) => [row.value, row.contact_id]))
    // …each email's visitors are on its contact, and no other contact has the email.
    for (const [i, email] of emails.entries()) {
      expect(contactOf.get(`visitor-h-${run}-${i}`), email).toBe(contactOf.get(email))
      expect(contactOf.get(`visitor-s-${run}-${i}`), email).toBe(contactOf.get(email))
    }
    const contacts = await queryShared<{ id: string }>(
      `SELECT id FROM crm_contacts FINAL WHERE email LIKE 'twice-${run}-%'`,
    )
    expect(contacts).toHaveLength(emails.length)
  })

  it('keeps acknowledging while the CRM host is out, and the host gets the events once it is back', async () => {
    await toHost.stop()
    const email = `outage-${Date.now()}@example.com`
    const sent = await postBatch(sender, [identify('outage-1', 'visitor-outage', email)])
    expect(sent.status).toBe(200)
    const proxied = await fetch(`${sender.url}/v1/crm/contacts`, { headers: owner })
    expect(proxied.status).toBe(503)
    expect(proxied.headers.get('retry-after')).toBe('1')
    expect(((await proxied.json()) as any).error.code).toBe('RASTRO_ERR_CRM_HOST_UNAVAILABLE')
    await new Promise((resolve) => setTimeout(resolve, 1500))
    expect(await findContacts(email)).toEqual([])

    await toHost.start()
    const contacts = await waitForContacts(email)
    expect(contacts.map((contact) => contact.email)).toEqual([email])
  })

  it('takes events only with the admin key, and only in columns it can read', async () => {
    const post = (headers: Record<string, string>) =>
      fetch(`${host.url}/v1/internal/crm-feed`, {
        method: 'POST',
        headers: { 'content-type': 'application/x-rastro-event-rows', ...headers },
        body: '',
      })
    const withoutAdmin = await post({ ...owner, [CRM_FEED_COLUMNS_HEADER]: EVENT_COLUMNS_HEADER })
    expect(withoutAdmin.status).toBe(401)
    const admin = { authorization: `Bearer ${keys.adminKey}` }
    const newer = await post({ ...admin, [CRM_FEED_COLUMNS_HEADER]: `${EVENT_COLUMNS_HEADER},future_column` })
    expect(newer.status).toBe(409)
    expect(await newer.json()).toMatchObject({
      error: { code: 'RASTRO_ERR_CRM_FEED_COLUMNS', field: CRM_FEED_COLUMNS_HEADER },
    })
    expect((await post({ ...admin, [CRM_FEED_COLUMNS_HEADER]: EVENT_COLUMNS_HEADER })).status).toBe(204)
    // Only a CRM host takes them.
    const notHost = await fetch(`${sender.url}/v1/internal/crm-feed`, { method: 'POST', headers: admin })
    expect(notHost.status).toBe(404)
  })
})
