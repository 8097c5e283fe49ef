/**
 * CSV import that upserts (never duplicates) with a per-row report, and GDPR: export everything
 * about a person, erase it from every table (checked table by table in ClickHouse), and keep the
 * person from coming back through an import, an upsert or the event feed.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { PersonEvents } from '../src/index.js'
import { createEvent, keys, startCrm, type RunningCrm } from './helpers/start-crm.js'

let crm: RunningCrm
/** What the host's erase hook was given, and how many of the person's events it still found. */
const hostErasures: { tenantId: string; events: PersonEvents; eventsFound: number }[] = []

beforeAll(async () => {
  crm = await startCrm({
    defaultPhoneCountry: 'ES',
    // A host (the collector) finds what it keeps about the person by their events.
    async onErase(tenantId, person) {
      const [row] = await crm.rows<{ n: string | number }>(
        `SELECT count() AS n FROM events WHERE tenant_id = {tenant:String} AND (anonymous_id IN {anon:Array(String)}
           OR user_id IN {users:Array(String)} OR message_id IN {messages:Array(String)})`,
        {
          tenant: tenantId,
          anon: person.events.anonymousIds,
          users: person.events.userIds,
          messages: person.events.messageIds,
        },
      )
      hostErasures.push({ tenantId, events: person.events, eventsFound: Number(row!.n) })
      return { erased: { host_table: Number(row!.n) } }
    },
  })
})
afterAll(async () => {
  await crm?.stop()
})

function importCsv(csv: string, key = keys.owner) {
  return crm.call('POST', '/v1/crm/imports/contacts', {
    key,
    payload: csv,
    headers: { 'content-type': 'text/csv' },
  })
}

describe('CSV import', () => {
  it('upserts by email or phone, reports every row, and imports the good rows beside the bad', async () => {
    expect(
      (
        await crm.call('POST', '/v1/crm/properties/contact', {
          body: { name: 'plan', type: 'enum', options: ['free', 'pro'] },
        })
      ).status,
    ).toBe(201)
    const existing = await crm.call('POST', '/v1/crm/contacts', {
      body: { email: 'ines@example.com', firstName: 'Inês' },
    })
    const csv = [
      'Email,Phone,First Name,Last Name,Plan,Favourite colour',
      'INES@example.com,,,Costa,pro,blue',
      'joao@example.com,612 345 678,João,Silva,free,',
      ',+34 612 345 678,,,,',
      'not-an-email,,,,,',
      ',,Nobody,,,',
      'kai@example.com,,Kai,,platinum,',
      'joao@example.com,,,Silva Neto,,',
    ].join('\r\n')
    const report = await importCsv(csv)
    expect(report.status).toBe(200)
    expect(report.body).toMatchObject({
      rows: 7,
      created: 1,
      updated: 3,
      suppressed: 0,
      failed: 3,
      ignoredColumns: ['Favourite colour'],
    })
    const lines = Object.fromEntries(report.body.results.map((row: any) => [row.line, row]))
    expect(lines[2]).toEqual({ line: 2, status: 'updated', contactId: existing.body.id })
    expect(lines[3].status).toBe('created')
    // The phone alone finds the contact the row above created; the email again updates it.
    expect(lines[4]).toEqual({ line: 4, status: 'updated', contactId: lines[3].contactId })
    expect(lines[8]).toEqual({ line: 8, status: 'updated', contactId: lines[3].contactId })
    expect(lines[5]).toMatchObject({ status: 'failed', error: { field: 'email' } })
    expect(lines[6]).toMatchObject({
      status: 'failed',
      error: { field: 'email', message: 'a row needs an email, phone or external id' },
    })
    expect(lines[7]).toMatchObject({ status: 'failed', error: { field: 'properties.plan' } })
    const ines = await crm.call('GET', `/v1/crm/contacts/${existing.body.id}`)
    expect(ines.body).toMatchObject({ firstName: 'Inês', lastName: 'Costa', properties: { plan: 'pro' } })
    const joao = await crm.call('GET', `/v1/crm/contacts/${lines[3].contactId}`)
    expect(joao.body).toMatchObject({
      email: 'joao@example.com',
      phone: '+34612345678',
      lastName: 'Silva Neto',
      source: 'import',
    })

    // Importing the same file again creates nothing.
    const again = await importCsv(csv)
    expect(again.body).toMatchObject({ created: 0, updated: 4, failed: 3 })
    const count = await crm.rows<{ n: string | number }>(
      `SELECT count() AS n FROM crm_contacts FINAL WHERE tenant_id = 'one'`,
    )
    expect(Number(count[0]!.n)).toBe(2)
  })

  it('refuses what is not CSV', async () => {
    expect(
      (await crm.call('POST', '/v1/crm/imports/contacts', { body: { email: 'x@y.z' } })).body,
    ).toMatchObject({
      status: 415,
      code: 'RASTRO_ERR_CRM_UNSUPPORTED_MEDIA_TYPE',
    })
    expect((await importCsv('email\n"unterminated')).body).toMatchObject({ status: 400, field: 'body' })
  })
})

describe('GDPR', () => {
  const email = 'erase.me@example.com'
  let contactId: string

  beforeAll(async () => {
    await crm.ingest([
      createEvent({ anonymous_id: 'anon-erase', path: '/', url: 'https://tostado.example/' }),
      createEvent({
        type: 'track',
        event: 'Lead Created',
        anonymous_id: 'anon-erase',
        properties: { email, phone: '611 000 999', name: 'Era Sure' },
      }),
      createEvent({ type: 'identify', user_id: 'erase-user', traits: { email } }),
      createEvent({
        type: 'track',
        event: 'Order Completed',
        user_id: 'erase-user',
        properties: { revenue: 30 },
      }),
      createEvent({ anonymous_id: 'someone-else', path: '/', url: 'https://tostado.example/' }),
    ])
    const rows = await crm.rows<{ contact_id: string }>(
      `SELECT contact_id FROM crm_identities FINAL WHERE value = {email:String}`,
      { email },
    )
    contactId = rows[0]!.contact_id
    // A card handed to the person, then a tap with it and one with someone else's card at the same kiosk.
    const card = await crm.call('PATCH', `/v1/crm/contacts/${contactId}`, {
      body: { identities: [{ kind: 'rfid_uid', value: 'CAFE01' }] },
    })
    expect(card.status).toBe(200)
    await crm.ingest([
      createEvent({
        type: 'track',
        event: 'RFID Tapped',
        anonymous_id: 'kiosk-1',
        properties: { rfid_uid: 'CAFE01' },
      }),
      createEvent({
        type: 'track',
        event: 'RFID Tapped',
        anonymous_id: 'kiosk-1',
        properties: { rfid_uid: 'BEEF02' },
      }),
    ])
    await crm.call('POST', '/v1/crm/notes', { body: { contactId, body: `Called ${email}` } })
    await crm.call('POST', '/v1/crm/deals', {
      body: { name: 'Beans for Era', contactId, amountMinor: 5000, currency: 'EUR' },
    })
    await crm.call('POST', '/v1/crm/contacts/upsert', {
      body: { email, firstName: 'Era' },
      headers: { 'idempotency-key': 'era-1' },
    })
  })

  it('exports everything about the person as JSON', async () => {
    const exported = await crm.call('POST', '/v1/crm/gdpr/export', {
      body: { email: 'ERASE.ME@example.com' },
    })
    expect(exported.status).toBe(200)
    expect(exported.body.contact).toMatchObject({
      id: contactId,
      email,
      externalId: 'erase-user',
      phone: '+34611000999',
    })
    expect(exported.body.identities).toEqual(
      expect.arrayContaining([
        { kind: 'email', value: email },
        { kind: 'anon_id', value: 'anon-erase' },
        { kind: 'external_id', value: 'erase-user' },
        { kind: 'rfid_uid', value: 'CAFE01' },
      ]),
    )
    expect(exported.body.events.map((event: any) => event.event || event.type).sort()).toEqual(
      ['Lead Created', 'Order Completed', 'RFID Tapped', 'identify', 'page'].sort(),
    )
    // The deal the lead form opened and the order won (deal rules), and the one made through the API.
    expect(exported.body.deals).toHaveLength(2)
    expect(exported.body.deals).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ name: 'Era Sure – Lead Created', status: 'won', amountMinor: 3000 }),
        expect.objectContaining({ name: 'Beans for Era', amountMinor: 5000 }),
      ]),
    )
    expect(exported.body.notes).toEqual([expect.objectContaining({ body: `Called ${email}` })])
    expect(exported.body.score.total).toBeGreaterThan(0)
    expect(exported.body.history.map((row: any) => row.action)).toContain('contact.created')
    expect(
      (await crm.call('POST', '/v1/crm/gdpr/export', { body: { email: 'nobody@example.com' } })).status,
    ).toBe(404)
  })

  it('erases the person from every table, physically, and audits it without personal data', async () => {
    const erased = await crm.call('POST', '/v1/crm/gdpr/delete', { body: { contactId } })
    expect(erased.status).toBe(200)
    expect(erased.body).toMatchObject({
      contactId,
      suppressedIdentities: 4,
      erasedFromDiskWithinSeconds: 480,
      erased: {
        events: 5,
        crm_contacts: 1,
        crm_event_links: 1,
        crm_deals_unlinked: 2,
        crm_notes: 1,
        host_table: 5,
      },
    })
    // The host's hook ran first, while all five of the person's events were there to find its rows by.
    expect(hostErasures).toEqual([
      {
        tenantId: 'one',
        events: {
          anonymousIds: ['anon-erase'],
          userIds: ['erase-user'],
          messageIds: [expect.any(String)],
        },
        eventsFound: 5,
      },
    ])
    const needles = [email, 'anon-erase', 'erase-user', '+34611000999', 'CAFE01', contactId]
    const tables = await crm.rows<{ name: string }>(
      `SELECT name FROM system.tables WHERE database = currentDatabase() AND engine LIKE '%MergeTree%'`,
    )
    expect(tables.map((table) => table.name)).toEqual(
      expect.arrayContaining(['events', 'crm_contacts', 'crm_changes', 'crm_idempotency']),
    )
    for (const { name } of tables) {
      // Every row, every column, every version (no FINAL): nothing mentions the person, bar the erasure's own audit row.
      const hits = await crm.rows<Record<string, unknown>>(
        `SELECT * FROM ${name} WHERE multiSearchAny(toJSONString(tuple(*)), {needles:Array(String)})`,
        { needles },
      )
      const leftovers = hits.filter((row) => !(name === 'crm_changes' && row.action === 'gdpr.deleted'))
      expect({ table: name, leftovers }).toEqual({ table: name, leftovers: [] })
    }
    const audit = await crm.rows<{ changes: string; contact_id: string }>(
      `SELECT changes, contact_id FROM crm_changes WHERE action = 'gdpr.deleted'`,
    )
    expect(audit).toHaveLength(1)
    expect(audit[0]!.contact_id).toBe('')
    expect(audit[0]!.changes).not.toContain(email)
    // The kiosk's other tap and other visitors are untouched.
    expect(
      await crm.rows(`SELECT message_id FROM events WHERE anonymous_id IN ('someone-else', 'kiosk-1')`),
    ).toHaveLength(2)
    expect(await crm.rows(`SELECT value FROM crm_event_links`)).toEqual([{ value: 'BEEF02' }])
    // Deals stay, unlinked, and without the person's name in the ones the deal rules named.
    const deals = await crm.rows<{ name: string; contact_id: string }>(
      `SELECT name, contact_id FROM crm_deals FINAL WHERE tenant_id = 'one' ORDER BY name`,
    )
    expect(deals).toEqual([
      { name: 'Beans for Era', contact_id: '' },
      { name: 'erased contact – Lead Created', contact_id: '' },
    ])
  })

  it('keeps an erased person from coming back through an upsert, an import or an event', async () => {
    const upsert = await crm.call('POST', '/v1/crm/contacts/upsert', { body: { email } })
    expect(upsert.body).toMatchObject({ status: 422, code: 'RASTRO_ERR_CRM_SUPPRESSED' })
    const create = await crm.call('POST', '/v1/crm/contacts', { body: { phone: '+34 611 000 999' } })
    expect(create.body.code).toBe('RASTRO_ERR_CRM_SUPPRESSED')
    const report = await importCsv(`email,first_name\n${email.toUpperCase()},Era\nnew.person@example.com,New`)
    expect(report.body.results.map((row: any) => row.status)).toEqual(['suppressed', 'created'])
    await crm.ingest([
      createEvent({ type: 'track', event: 'Lead Created', anonymous_id: 'anon-new', properties: { email } }),
      createEvent({ type: 'identify', user_id: 'erase-user' }),
    ])
    const back = await crm.rows(
      `SELECT * FROM crm_identities WHERE value IN ({email:String}, 'erase-user', 'anon-new')`,
      { email },
    )
    expect(back).toEqual([])
  })
})
