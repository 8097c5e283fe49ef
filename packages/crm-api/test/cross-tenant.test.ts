/**
 * Tenancy: every endpoint of the OpenAPI document is called by tenant two with tenant one's ids
 * (in the path, the query and the body). Each call must fail, or answer only tenant two's data:
 * no answer may carry any of tenant one's ids or emails, and tenant one's records must be exactly
 * as they were afterwards. Forged and cross-tenant keys are refused.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createEvent, keys, startCrm, type RunningCrm } from './helpers/start-crm.js'

let crm: RunningCrm
/** Tenant one's records. */
const one: Record<string, string> = {}
let snapshot: string

async function snapshotTenantOne(): Promise<string> {
  const tables = [
    'crm_contacts',
    'crm_identities',
    'crm_companies',
    'crm_deals',
    'crm_pipelines',
    'crm_notes',
    'crm_segments',
    'crm_webhooks',
    'crm_api_keys',
    'crm_property_definitions',
    'crm_scores',
    'crm_settings',
    'crm_suppressions',
    'events',
  ]
  const parts = []
  for (const table of tables) {
    parts.push(await crm.rows(`SELECT * FROM ${table} FINAL WHERE tenant_id = 'one' ORDER BY tuple(*)`))
  }
  return JSON.stringify(parts)
}

beforeAll(async () => {
  crm = await startCrm()
  const call = async (method: string, url: string, body: unknown) => {
    const answer = await crm.call(method, url, { body })
    expect(answer.status, `${method} ${url}: ${answer.text}`).toBeLessThan(300)
    return answer.body
  }
  await call('POST', '/v1/crm/properties/contact', { name: 'plan', type: 'string' })
  one.company = (await call('POST', '/v1/crm/companies', { name: 'One Inc', domain: 'one.example' })).id
  one.contact = (
    await call('POST', '/v1/crm/contacts', {
      email: 'secret@one.example',
      phone: '+34600111222',
      companyId: one.company,
      properties: { plan: 'gold' },
    })
  ).id
  one.other = (await call('POST', '/v1/crm/contacts', { email: 'other@one.example' })).id
  one.pipeline = (
    await call('POST', '/v1/crm/pipelines', {
      name: 'One pipe',
      stages: [{ id: 'a', name: 'A', probability: 0.5 }],
    })
  ).id
  one.deal = (
    await call('POST', '/v1/crm/deals', { name: 'One deal', contactId: one.contact, companyId: one.company })
  ).id
  one.note = (await call('POST', '/v1/crm/notes', { contactId: one.contact, body: 'one note' })).id
  one.segment = (await call('POST', '/v1/crm/segments', { name: 'One seg', filterGroups: [] })).id
  one.webhook = (
    await call('POST', '/v1/crm/webhooks', { url: 'http://127.0.0.1:9/none', events: ['contact.hot_lead'] })
  ).id
  const key = await call('POST', '/v1/crm/keys', { name: 'one key', scopes: ['crm:read'] })
  one.key = key.id
  one.keySecret = key.key
  await crm.ingest([
    createEvent({
      anonymous_id: 'anon-one',
      path: '/',
      url: 'https://one.example/',
      utm_source: 'one-source',
    }),
    createEvent({
      type: 'track',
      event: 'Lead Created',
      anonymous_id: 'anon-one',
      properties: { email: 'secret@one.example' },
    }),
    createEvent({
      type: 'track',
      event: 'Order Completed',
      anonymous_id: 'anon-one',
      properties: { revenue: 10 },
    }),
  ])
  // Tenant two has records of its own, so its lists are not trivially empty.
  await crm.call('POST', '/v1/crm/contacts', { key: keys.otherOwner, body: { email: 'mine@two.example' } })
  snapshot = await snapshotTenantOne()
})
afterAll(async () => {
  await crm?.stop()
})

/** The body tenant two sends to each operation, pointing at tenant one wherever it can. */
function getBody(method: string, path: string): unknown {
  const bodies: Record<string, unknown> = {
    'POST /v1/crm/contacts': { email: 'x@two.example', companyId: one.company },
    'PATCH /v1/crm/contacts/{id}': { firstName: 'Hijacked' },
    'POST /v1/crm/contacts/upsert': { email: 'secret@one.example' },
    'POST /v1/crm/contacts/batch/upsert': { inputs: [{ email: 'other@one.example', phone: '+34600111222' }] },
    'POST /v1/crm/contacts/batch/create': { inputs: [{ email: 'y@two.example', companyId: one.company }] },
    'POST /v1/crm/contacts/batch/update': { inputs: [{ id: one.contact, firstName: 'Hijacked' }] },
    'POST /v1/crm/contacts/search': { query: 'one.example' },
    'POST /v1/crm/contacts/{id}/merge': { mergeIds: [one.other] },
    'POST /v1/crm/companies': { name: 'Two Inc' },
    'PATCH /v1/crm/companies/{id}': { name: 'Hijacked' },
    'POST /v1/crm/companies/batch/upsert': { inputs: [{ domain: 'one.example', name: 'Two twin' }] },
    'POST /v1/crm/pipelines': { name: 'Two pipe', stages: [{ id: 'a', name: 'A', probability: 1 }] },
    'PATCH /v1/crm/pipelines/{id}': { name: 'Hijacked' },
    'POST /v1/crm/deals': { name: 'Two deal', contactId: one.contact, pipelineId: one.pipeline },
    'PATCH /v1/crm/deals/{id}': { name: 'Hijacked' },
    'POST /v1/crm/notes': { body: 'x', contactId: one.contact, dealId: one.deal, companyId: one.company },
    'PATCH /v1/crm/notes/{id}': { body: 'Hijacked' },
    'POST /v1/crm/properties/{object}': { name: 'plan', type: 'number' },
    'POST /v1/crm/segments': {
      name: 'Two seg',
      filterGroups: [
        { filters: [{ propertyName: 'email', operator: 'CONTAINS_TOKEN', value: 'one.example' }] },
      ],
    },
    'PATCH /v1/crm/segments/{id}': { name: 'Hijacked' },
    'PUT /v1/crm/segments/value-model': { orderEvents: ['Order Completed'] },
    'PUT /v1/crm/scoring/rules': {
      groups: [{ name: 'g', kind: 'fit' }],
      fit: [{ group: 'g', where: { property: 'email', operator: 'exists' }, points: 1 }],
    },
    'POST /v1/crm/webhooks': { url: 'http://127.0.0.1:9/two', events: ['contact.hot_lead'] },
    'POST /v1/crm/keys': { name: 'two key', scopes: ['crm:read'] },
    'POST /v1/crm/gdpr/export': { email: 'secret@one.example' },
    'POST /v1/crm/gdpr/delete': { contactId: one.contact },
    'POST /v1/crm/analytics/funnel': { steps: [{ type: 'page' }, { type: 'track', event: 'Lead Created' }] },
  }
  return bodies[`${method} ${path}`]
}

function fillPath(path: string): string {
  const resource = path.split('/')[3]!
  const ids: Record<string, string> = {
    contacts: one.contact!,
    companies: one.company!,
    deals: one.deal!,
    pipelines: one.pipeline!,
    notes: one.note!,
    segments: one.segment!,
    webhooks: one.webhook!,
    keys: one.key!,
  }
  return path
    .replace('{id}', ids[resource] ?? 'none')
    .replace('{object}', 'contact')
    .replace('{name}', 'plan')
}

describe('another tenant', () => {
  it('reaches none of tenant one’s records through any endpoint', async () => {
    const document = (await crm.call('GET', '/docs/json', { key: null })).body
    const ids = Object.values(one)
    const values = [
      'secret@one.example',
      'other@one.example',
      'anon-one',
      'one-source',
      '+34600111222',
      'One Inc',
      'One pipe',
      'One deal',
      'one note',
      'One seg',
    ]
    const calls: string[] = []
    // Values tenant two sends become its own data (an upsert of the same email makes its own
    // contact), so they may come back later; an id of tenant one may only be echoed in the answer
    // to the very request that carried it (an error naming the id it gave).
    let sentBefore = ''
    for (const [path, operations] of Object.entries(document.paths as Record<string, Record<string, any>>)) {
      for (const method of Object.keys(operations)) {
        const verb = method.toUpperCase()
        const url = fillPath(path)
        const csv = operations[method].requestBody?.content?.['text/csv']
        const answer = csv
          ? await crm.call(verb, url, {
              key: keys.otherOwner,
              payload: `email,phone\nsecret@one.example,+34600111222\n`,
              headers: { 'content-type': 'text/csv' },
            })
          : await crm.call(verb, url, { key: keys.otherOwner, body: getBody(verb, path) })
        calls.push(`${verb} ${path} → ${answer.status}`)
        expect(answer.status, `${verb} ${url}`).toBeLessThan(500)
        if (path.includes('{id}')) expect(answer.status, `${verb} ${url}`).toBeGreaterThanOrEqual(400)
        const sent =
          url + JSON.stringify(getBody(verb, path) ?? '') + (csv ? 'secret@one.example+34600111222' : '')
        sentBefore += sent
        const leaked = [
          ...ids.filter((id) => answer.text.includes(id) && !sent.includes(id)),
          ...values.filter((value) => answer.text.includes(value) && !sentBefore.includes(value)),
        ]
        expect({ call: `${verb} ${url}`, leaked }).toEqual({ call: `${verb} ${url}`, leaked: [] })
      }
    }
    // Every documented operation was tried (the document lists them all).
    expect(calls.length).toBeGreaterThan(60)
    expect(await snapshotTenantOne()).toBe(snapshot)
  })

  it('refuses a key of one tenant presented as another’s', async () => {
    const forged = one.keySecret!.replace('rk_one.', 'rk_two.')
    expect((await crm.call('GET', '/v1/crm/contacts', { key: forged })).status).toBe(401)
    expect((await crm.call('GET', `/v1/crm/contacts/${one.contact}`, { key: one.keySecret })).status).toBe(
      200,
    )
    const made = await crm.call('POST', '/v1/crm/keys', {
      key: keys.otherOwner,
      body: { name: 'two', scopes: ['crm:read'] },
    })
    expect((await crm.call('GET', `/v1/crm/contacts/${one.contact}`, { key: made.body.key })).status).toBe(
      404,
    )
    expect(
      (
        await crm.call('GET', `/v1/crm/contacts/${one.contact}`, {
          key: made.body.key.replace('rk_two.', 'rk_one.'),
        })
      ).status,
    ).toBe(401)
  })

  it('keeps Idempotency-Keys apart between tenants', async () => {
    const headers = { 'idempotency-key': 'shared-key' }
    const first = await crm.call('POST', '/v1/crm/contacts', { body: { email: 'idem@one.example' }, headers })
    const second = await crm.call('POST', '/v1/crm/contacts', {
      key: keys.otherOwner,
      body: { email: 'idem@one.example' },
      headers,
    })
    expect(first.status).toBe(201)
    expect(second.status).toBe(201)
    expect(second.body.id).not.toBe(first.body.id)
    expect(second.headers['idempotent-replayed']).toBeUndefined()
  })
})
