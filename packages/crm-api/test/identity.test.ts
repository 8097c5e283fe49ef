/**
 * Identity first: concurrent upserts never duplicate, events from every source resolve to one
 * contact through the identity map, anonymous history joins on identify, merges move identities,
 * and the duplicates finder groups near-duplicates.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createEvent, startCrm, toChTime, type RunningCrm } from './helpers/start-crm.js'

let crm: RunningCrm

beforeAll(async () => {
  crm = await startCrm()
})
afterAll(async () => {
  await crm?.stop()
})

async function contactsWith(kind: string, value: string) {
  return crm.rows<{ contact_id: string }>(
    `SELECT contact_id FROM crm_identities FINAL WHERE tenant_id = 'one' AND kind = {kind:String} AND value = {value:String}`,
    { kind, value },
  )
}

describe('concurrent upserts', () => {
  it('make one contact for one email, however many race and however it is written', async () => {
    const spellings = ['Race@Example.com', ' race@example.com', 'RACE@EXAMPLE.COM ', 'race@example.com']
    const answers = await Promise.all(
      Array.from({ length: 20 }, (_, i) =>
        crm.call('POST', '/v1/crm/contacts/upsert', {
          body: { email: spellings[i % spellings.length], firstName: `Racer ${i}` },
        }),
      ),
    )
    expect(answers.map((answer) => answer.status).filter((status) => status >= 400)).toEqual([])
    const ids = new Set(answers.map((answer) => answer.body.id))
    expect(ids.size).toBe(1)
    expect(answers.filter((answer) => answer.body.created)).toHaveLength(1)
    // No second contact row exists at all, not even a superseded one.
    const rows = await crm.rows<{ id: string }>(
      `SELECT DISTINCT id FROM crm_contacts WHERE tenant_id = 'one' AND email = 'race@example.com'`,
    )
    expect(rows).toEqual([{ id: [...ids][0] }])
    expect(await contactsWith('email', 'race@example.com')).toEqual([{ contact_id: [...ids][0] }])
  })

  it('let one of many concurrent creates of an email win and answer 409 to the others', async () => {
    const answers = await Promise.all(
      Array.from({ length: 10 }, () =>
        crm.call('POST', '/v1/crm/contacts', { body: { email: 'create-race@example.com' } }),
      ),
    )
    const statuses = answers.map((answer) => answer.status).sort()
    expect(statuses).toEqual([201, ...Array(9).fill(409)])
    expect(answers.find((answer) => answer.status === 409)!.body).toMatchObject({
      code: 'RASTRO_ERR_CRM_CONFLICT',
      field: 'email',
      status: 409,
    })
  })

  it('never duplicate when the feed and the API upsert the same new email at once', async () => {
    const email = 'feed-and-api@example.com'
    const lead = createEvent({
      type: 'track',
      event: 'Lead Created',
      anonymous_id: 'anon-feed-api',
      properties: { email, name: 'Fe Api' },
    })
    const [, upsert] = await Promise.all([
      crm.ingest([lead]),
      crm.call('POST', '/v1/crm/contacts/upsert', { body: { email } }),
    ])
    expect(upsert.status).toBeLessThan(300)
    expect(await contactsWith('email', email)).toEqual([{ contact_id: upsert.body.id }])
    expect(await contactsWith('anon_id', 'anon-feed-api')).toEqual([{ contact_id: upsert.body.id }])
  })
})

describe('on a cluster', () => {
  it('every write waits for its shard: the insert settings go on each insert, from the API and the feed', async () => {
    const clustered = await crm.fork({ insertSettings: { insert_distributed_sync: 1 } })
    const inserts: { table: string; settings: unknown }[] = []
    const insert = crm.client.insert.bind(crm.client)
    crm.client.insert = ((params: Parameters<typeof insert>[0]) => {
      inserts.push({ table: params.table, settings: params.clickhouse_settings })
      return insert(params)
    }) as typeof insert
    try {
      const upsert = await clustered.call('POST', '/v1/crm/contacts/upsert', {
        body: { email: 'shard@example.com' },
        headers: { 'idempotency-key': 'shard-1' },
      })
      expect(upsert.status).toBeLessThan(300)
      await clustered.app.crm.onEvents([
        createEvent({ type: 'identify', user_id: 'shard-user', traits: { email: 'shard@example.com' } }),
      ])
    } finally {
      crm.client.insert = insert
      await clustered.stop()
    }
    expect(inserts.map((row) => row.table)).toEqual(
      expect.arrayContaining(['crm_contacts', 'crm_identities', 'crm_changes', 'crm_idempotency']),
    )
    expect(inserts.map((row) => row.settings)).toEqual(inserts.map(() => ({ insert_distributed_sync: 1 })))
  })
})

describe('one visitor, every source', () => {
  it('joins the anonymous history, the lead form, the server identify and the order into one contact', async () => {
    const anon = 'anon-journey-1'
    const hour = 3_600_000
    const start = Date.now() - 5 * hour
    await crm.ingest([
      createEvent({
        anonymous_id: anon,
        path: '/',
        url: 'https://tostado.example/',
        timestamp: toChTime(start),
        library_name: 'rastro.js',
      }),
      createEvent({
        anonymous_id: anon,
        path: '/pricing',
        url: 'https://tostado.example/pricing',
        timestamp: toChTime(start + 60_000),
        library_name: 'rastro.js',
      }),
      // Heatmap points belong to the dashboard: never on a timeline.
      createEvent({
        type: 'track',
        event: '$heatmap',
        anonymous_id: anon,
        path: '/pricing',
        timestamp: toChTime(start + 61_000),
        library_name: 'rastro.js',
        properties: { points: [{ x: 10, y: 20, w: 1280, s: 'a', ox: 0.5, oy: 0.5 }], pageHeight: 2000 },
      }),
    ])
    expect(
      await crm.rows(`SELECT * FROM crm_contacts WHERE tenant_id = 'one' AND has(['anon-journey-1'], email)`),
    ).toEqual([])
    await crm.ingest([
      createEvent({
        type: 'track',
        event: 'Lead Created',
        anonymous_id: anon,
        path: '/',
        url: 'https://tostado.example/',
        library_name: 'rastro.js',
        timestamp: toChTime(start + 120_000),
        properties: {
          form: 'wholesale',
          name: 'Ana Souza',
          email: 'Ana@Example.com',
          phone: '+34 600 000 000',
        },
      }),
    ])
    const [owner] = await contactsWith('email', 'ana@example.com')
    expect(owner).toBeDefined()
    const contactId = owner!.contact_id
    expect(await contactsWith('anon_id', anon)).toEqual([{ contact_id: contactId }])
    expect(await contactsWith('phone', '+34600000000')).toEqual([{ contact_id: contactId }])

    // The Node SDK: identify with the shop's user id and the email, then an order by user id only.
    await crm.ingest([
      createEvent({
        type: 'identify',
        user_id: 'user-42',
        library_name: '@rastro/node',
        timestamp: toChTime(start + 3 * hour),
        traits: { email: 'ana@example.com', firstName: 'Ana', lastName: 'Souza Lima' },
      }),
      createEvent({
        type: 'track',
        event: 'Order Completed',
        user_id: 'user-42',
        library_name: '@rastro/node',
        timestamp: toChTime(start + 4 * hour),
        properties: { order_id: 'o-1', revenue: 42.5, currency: 'EUR' },
      }),
    ])
    expect(await contactsWith('external_id', 'user-42')).toEqual([{ contact_id: contactId }])

    const contact = await crm.call('GET', `/v1/crm/contacts/${contactId}`)
    expect(contact.status).toBe(200)
    expect(contact.body).toMatchObject({
      email: 'ana@example.com',
      phone: '+34600000000',
      externalId: 'user-42',
      firstName: 'Ana',
      lastName: 'Souza Lima',
      lifecycleStage: 'customer',
    })
    expect(contact.body.identities).toEqual([
      { kind: 'external_id', value: 'user-42' },
      { kind: 'email', value: 'ana@example.com' },
      { kind: 'phone', value: '+34600000000' },
      { kind: 'anon_id', value: anon },
    ])
    expect(contact.headers.etag).toBe(`"${contact.body.version}"`)

    const timeline = await crm.call('GET', `/v1/crm/contacts/${contactId}/timeline?limit=100`)
    const events = timeline.body.results.filter((item: any) => item.kind === 'event')
    expect(events.map((item: any) => `${item.source}:${item.type}:${item.name || item.path}`)).toEqual([
      'server:track:Order Completed',
      'server:identify:',
      'web:track:Lead Created',
      'web:page:/pricing',
      'web:page:/',
    ])
    expect(
      timeline.body.results.some((item: any) => item.kind === 'change' && item.name === 'contact.created'),
    ).toBe(true)
  })

  it('attributes an RFID tap at a shared kiosk to the card holder without joining the kiosk to them', async () => {
    const upsert = await crm.call('POST', '/v1/crm/contacts/upsert', {
      body: { email: 'bea@example.com', identities: [{ kind: 'rfid_uid', value: '04:a2:2b:1c' }] },
    })
    expect(upsert.status).toBe(201)
    const tap = createEvent({
      type: 'track',
      event: 'RFID Tapped',
      anonymous_id: 'kiosk-7',
      library_name: 'rastro-device',
      properties: { rfid_uid: '04A22B1C', reader: 'bar' },
      context: { device: { id: 'kiosk-7' } },
    })
    const otherTap = createEvent({
      type: 'track',
      event: 'RFID Tapped',
      anonymous_id: 'kiosk-7',
      library_name: 'rastro-device',
      properties: { rfid_uid: 'DEADBEEF' },
      context: { device: { id: 'kiosk-7' } },
    })
    await crm.ingest([tap, otherTap])
    expect(await contactsWith('device_id', 'kiosk-7')).toEqual([])
    expect(await contactsWith('anon_id', 'kiosk-7')).toEqual([])
    const [stranger] = await contactsWith('rfid_uid', 'DEADBEEF')
    expect(stranger!.contact_id).not.toBe(upsert.body.id)
    const timeline = await crm.call('GET', `/v1/crm/contacts/${upsert.body.id}/timeline`)
    const events = timeline.body.results.filter((item: any) => item.kind === 'event')
    expect(events.map((item: any) => [item.id, item.source])).toEqual([[tap.message_id, 'device']])
  })

  it('keeps a shared browser’s history with its first user when another account signs in', async () => {
    const anon = 'anon-shared-browser'
    await crm.ingest([
      createEvent({
        type: 'identify',
        anonymous_id: anon,
        user_id: 'account-a',
        traits: { email: 'a@shared.example' },
      }),
    ])
    await crm.ingest([
      createEvent({
        type: 'identify',
        anonymous_id: anon,
        user_id: 'account-b',
        traits: { email: 'b@shared.example' },
      }),
    ])
    const [a] = await contactsWith('external_id', 'account-a')
    const [b] = await contactsWith('external_id', 'account-b')
    expect(a!.contact_id).not.toBe(b!.contact_id)
    expect(await contactsWith('anon_id', anon)).toEqual([{ contact_id: a!.contact_id }])
    expect(await contactsWith('email', 'b@shared.example')).toEqual([{ contact_id: b!.contact_id }])
  })
})

describe('merging', () => {
  it('merges two contacts an identify shows to be one person, into the older one', async () => {
    const byEmail = await crm.call('POST', '/v1/crm/contacts', {
      body: { email: 'carla@example.com', firstName: 'Carla' },
    })
    const byPhone = await crm.call('POST', '/v1/crm/contacts', {
      body: { phone: '+351912345678', lastName: 'Reis' },
    })
    await crm.ingest([
      createEvent({
        type: 'identify',
        user_id: 'carla-1',
        traits: { email: 'carla@example.com', phone: '+351 912 345 678' },
      }),
    ])
    for (const [kind, value] of [
      ['email', 'carla@example.com'],
      ['phone', '+351912345678'],
      ['external_id', 'carla-1'],
    ]) {
      expect(await contactsWith(kind!, value!)).toEqual([{ contact_id: byEmail.body.id }])
    }
    const merged = await crm.call('GET', `/v1/crm/contacts/${byPhone.body.id}`)
    expect(merged.body).toMatchObject({
      id: byEmail.body.id,
      firstName: 'Carla',
      lastName: 'Reis',
      mergedIds: [byPhone.body.id],
    })
  })

  it('merges through the API, finds the duplicates first, and keeps old ids resolving', async () => {
    const first = await crm.call('POST', '/v1/crm/contacts', {
      body: { email: 'dan.ortiz@gmail.com', firstName: 'Dan', lastName: 'Ortiz' },
    })
    const second = await crm.call('POST', '/v1/crm/contacts', {
      body: { email: 'danortiz+news@gmail.com', firstName: 'dan', lastName: 'ortiz' },
    })
    const third = await crm.call('POST', '/v1/crm/contacts', {
      body: { email: 'dan@work.example', firstName: 'Dan', lastName: 'Ortiz ' },
    })
    const duplicates = await crm.call('GET', '/v1/crm/contacts/duplicates')
    expect(duplicates.body.results).toContainEqual({
      reason: 'email',
      key: 'danortiz@gmail.com',
      contactIds: [first.body.id, second.body.id].sort(),
    })
    expect(duplicates.body.results).toContainEqual({
      reason: 'name',
      key: 'dan ortiz',
      contactIds: [first.body.id, second.body.id, third.body.id].sort(),
    })
    const note = await crm.call('POST', '/v1/crm/notes', {
      body: { contactId: third.body.id, body: 'Met at the fair' },
    })
    expect(note.status).toBe(201)
    const merge = await crm.call('POST', `/v1/crm/contacts/${first.body.id}/merge`, {
      body: { mergeIds: [second.body.id, third.body.id] },
    })
    expect(merge.status).toBe(200)
    expect(merge.body.mergedIds.sort()).toEqual([second.body.id, third.body.id].sort())
    expect(await contactsWith('email', 'dan@work.example')).toEqual([{ contact_id: first.body.id }])
    expect((await crm.call('GET', `/v1/crm/contacts/${third.body.id}`)).body.id).toBe(first.body.id)
    const notes = await crm.call('GET', `/v1/crm/notes?contactId=${first.body.id}`)
    expect(notes.body.results.map((item: any) => item.id)).toEqual([note.body.id])
    const timeline = await crm.call('GET', `/v1/crm/contacts/${first.body.id}/timeline`)
    expect(timeline.body.results.map((item: any) => item.name)).toContain('note.created')
    const again = await crm.call('POST', `/v1/crm/contacts/${first.body.id}/merge`, {
      body: { mergeIds: [second.body.id] },
    })
    expect(again.status).toBe(404)
    const self = await crm.call('POST', `/v1/crm/contacts/${first.body.id}/merge`, {
      body: { mergeIds: [first.body.id] },
    })
    expect(self.body).toMatchObject({ status: 400, field: 'mergeIds' })
    // Ten at a time at most (crm-anchors: merge_ids ≤ 10): ten unknown ids are looked up, eleven refused.
    const mergeUnknown = (count: number) =>
      crm.call('POST', `/v1/crm/contacts/${first.body.id}/merge`, {
        body: { mergeIds: Array.from({ length: count }, (_, i) => `no-such-contact-${i}`) },
      })
    expect((await mergeUnknown(10)).status).toBe(404)
    expect((await mergeUnknown(11)).body).toMatchObject({ status: 400, field: 'mergeIds' })
    const list = await crm.call('GET', '/v1/crm/contacts?limit=200')
    expect(list.body.results.map((item: any) => item.id)).not.toContain(second.body.id)
  })
})
