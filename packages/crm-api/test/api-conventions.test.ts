/**
 * The API's conventions, on real requests: scopes, RFC 9457 problem details with the field at
 * fault, `RateLimit-*` headers and 429, `Idempotency-Key` replays, cursor pages, `If-Match`
 * (412), batch limits, search, deals moving through a pipeline board, and the OpenAPI document.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { keys, startCrm, type RunningCrm } from './helpers/start-crm.js'

let crm: RunningCrm

beforeAll(async () => {
  crm = await startCrm()
})
afterAll(async () => {
  await crm?.stop()
})

describe('keys and scopes', () => {
  it('answers 401 problem details without a key or with an unknown one', async () => {
    const missing = await crm.call('GET', '/v1/crm/contacts', { key: null })
    expect(missing.status).toBe(401)
    expect(missing.headers['content-type']).toMatch(/^application\/problem\+json/)
    expect(missing.body).toEqual({
      type: '/v1/crm/errors/RASTRO_ERR_AUTH_MISSING_KEY',
      title: 'No key was sent.',
      status: 401,
      detail: 'send a secret key as "Authorization: Bearer <key>"',
      instance: '/v1/crm/contacts',
      code: 'RASTRO_ERR_AUTH_MISSING_KEY',
      field: 'Authorization',
    })
    const unknown = await crm.call('GET', '/v1/crm/contacts', { key: 'sk_nobody_knows_this_key' })
    expect(unknown.body.code).toBe('RASTRO_ERR_AUTH_INVALID_KEY')
    const type = await crm.call('GET', unknown.body.type, { key: null })
    expect(type.body).toEqual({
      type: '/v1/crm/errors/RASTRO_ERR_AUTH_INVALID_KEY',
      title: 'The key is not known.',
      status: 401,
      code: 'RASTRO_ERR_AUTH_INVALID_KEY',
    })
  })

  it('maps roles to scopes: a viewer reads, an editor writes, only an owner administers', async () => {
    expect((await crm.call('GET', '/v1/crm/contacts', { key: keys.viewer })).status).toBe(200)
    const write = await crm.call('POST', '/v1/crm/contacts', { key: keys.viewer, body: { firstName: 'No' } })
    expect(write.status).toBe(403)
    expect(write.body.detail).toBe('this needs a key with the scope crm:write')
    expect(
      (await crm.call('POST', '/v1/crm/contacts', { key: keys.editor, body: { firstName: 'Yes' } })).status,
    ).toBe(201)
    expect((await crm.call('GET', '/v1/crm/keys', { key: keys.editor })).status).toBe(403)
    expect(
      (await crm.call('POST', '/v1/crm/gdpr/export', { key: keys.editor, body: { email: 'x@y.example' } }))
        .status,
    ).toBe(403)
  })

  it('makes keys stored hashed and shown once, limited to the creator’s scopes, revocable', async () => {
    const made = await crm.call('POST', '/v1/crm/keys', { body: { name: 'reporting', scopes: ['crm:read'] } })
    expect(made.status).toBe(201)
    expect(made.body.key).toMatch(/^rk_one\.[A-Za-z0-9_-]{43}$/)
    const stored = await crm.rows<{ key_sha256: string; prefix: string }>(
      `SELECT key_sha256, prefix FROM crm_api_keys`,
    )
    expect(JSON.stringify(stored)).not.toContain(made.body.key.split('.')[1])
    expect((await crm.call('GET', '/v1/crm/contacts', { key: made.body.key })).status).toBe(200)
    expect((await crm.call('POST', '/v1/crm/contacts', { key: made.body.key, body: {} })).status).toBe(403)
    const list = await crm.call('GET', '/v1/crm/keys')
    expect(list.body.results).toEqual([
      expect.objectContaining({ id: made.body.id, name: 'reporting', scopes: ['crm:read'] }),
    ])
    expect(JSON.stringify(list.body)).not.toContain(made.body.key)
    const escalate = await crm.call('POST', '/v1/crm/keys', {
      key: keys.editor,
      body: { name: 'x', scopes: ['gdpr'] },
    })
    expect(escalate.status).toBe(403)
    expect((await crm.call('DELETE', `/v1/crm/keys/${made.body.id}`)).status).toBe(204)
    expect((await crm.call('GET', '/v1/crm/contacts', { key: made.body.key })).status).toBe(401)
  })
})

describe('input errors', () => {
  it('names the field at fault and never answers 5xx to bad input', async () => {
    const cases: [string, string, unknown, string][] = [
      ['POST', '/v1/crm/contacts', { email: 'not-an-email' }, 'email'],
      ['POST', '/v1/crm/contacts', { phone: '12' }, 'phone'],
      ['POST', '/v1/crm/contacts', { properties: { plan: 'gold' } }, 'properties.plan'],
      ['POST', '/v1/crm/contacts', { unknownField: 1 }, 'unknownField'],
      ['POST', '/v1/crm/contacts/search', { limit: 5, sort: 'x' }, 'sort'],
      ['POST', '/v1/crm/contacts', { companyId: 'no-such-company' }, 'companyId'],
      ['POST', '/v1/crm/contacts/batch/upsert', { inputs: [] }, 'inputs'],
      ['POST', '/v1/crm/contacts/batch/upsert', { inputs: Array(101).fill({ email: 'a@b.co' }) }, 'inputs'],
      [
        'POST',
        '/v1/crm/contacts/search',
        { filterGroups: [{ filters: [{ propertyName: 'nope', operator: 'EQ', value: 1 }] }] },
        'filterGroups',
      ],
      ['POST', '/v1/crm/deals', { name: 'x', stageId: 'nowhere' }, 'stageId'],
    ]
    for (const [method, url, body, field] of cases) {
      const answer = await crm.call(method, url, { body })
      expect({ url, status: answer.status, field: answer.body.field }).toEqual({ url, status: 400, field })
      expect(answer.body.code).toBe('RASTRO_ERR_CRM_INVALID_INPUT')
    }
    const badJson = await crm.call('POST', '/v1/crm/contacts', {
      payload: '{"email":',
      headers: { 'content-type': 'application/json' },
    })
    expect(badJson.status).toBe(400)
    const badCursor = await crm.call('GET', '/v1/crm/contacts?cursor=garbage')
    expect(badCursor.body).toMatchObject({ status: 400, field: 'cursor' })
    const noRoute = await crm.call('GET', '/v1/crm/nothing-here')
    expect(noRoute.body).toMatchObject({ status: 404, code: 'RASTRO_ERR_NOT_FOUND' })
  })
})

describe('pagination, concurrency control and idempotency', () => {
  it('pages through contacts with an opaque cursor, each once', async () => {
    const batch = await crm.call('POST', '/v1/crm/contacts/batch/create', {
      body: { inputs: Array.from({ length: 25 }, (_, i) => ({ email: `page${i}@example.com` })) },
    })
    expect(batch.status).toBe(201)
    const seen: string[] = []
    let cursor: string | undefined
    do {
      const page = await crm.call('GET', `/v1/crm/contacts?limit=7${cursor ? `&cursor=${cursor}` : ''}`)
      expect(page.body.results.length).toBeLessThanOrEqual(7)
      seen.push(...page.body.results.map((contact: any) => contact.id))
      cursor = page.body.paging?.next.cursor
    } while (cursor)
    expect(new Set(seen).size).toBe(seen.length)
    for (const contact of batch.body.results) expect(seen).toContain(contact.id)
  })

  it('refuses a stale If-Match with 412 and accepts the current version', async () => {
    const created = await crm.call('POST', '/v1/crm/contacts', { body: { email: 'etag@example.com' } })
    expect(created.headers.etag).toBe('"1"')
    const first = await crm.call('PATCH', `/v1/crm/contacts/${created.body.id}`, {
      body: { firstName: 'Eta' },
      headers: { 'if-match': '"1"' },
    })
    expect(first.status).toBe(200)
    expect(first.body.version).toBe(2)
    const stale = await crm.call('PATCH', `/v1/crm/contacts/${created.body.id}`, {
      body: { firstName: 'Old' },
      headers: { 'if-match': '"1"' },
    })
    expect(stale.status).toBe(412)
    expect(stale.body).toMatchObject({ code: 'RASTRO_ERR_CRM_VERSION_CONFLICT', field: 'If-Match' })
    expect((await crm.call('GET', `/v1/crm/contacts/${created.body.id}`)).body.firstName).toBe('Eta')
  })

  it('replays a write retried with the same Idempotency-Key and refuses the key for another request', async () => {
    const headers = { 'idempotency-key': 'order-form-7' }
    const first = await crm.call('POST', '/v1/crm/contacts', { body: { email: 'idem@example.com' }, headers })
    const retry = await crm.call('POST', '/v1/crm/contacts', { body: { email: 'idem@example.com' }, headers })
    expect(first.status).toBe(201)
    expect(retry.status).toBe(201)
    expect(retry.headers['idempotent-replayed']).toBe('true')
    expect(retry.body).toEqual(first.body)
    const other = await crm.call('POST', '/v1/crm/contacts', {
      body: { email: 'other@example.com' },
      headers,
    })
    expect(other.status).toBe(422)
    expect(other.body.code).toBe('RASTRO_ERR_CRM_IDEMPOTENCY_MISMATCH')
    // A delete retried after its 204 gets the 204 again, not a 404.
    const deleteHeaders = { 'idempotency-key': 'delete-idem' }
    const deleted = await crm.call('DELETE', `/v1/crm/contacts/${first.body.id}`, { headers: deleteHeaders })
    const deletedAgain = await crm.call('DELETE', `/v1/crm/contacts/${first.body.id}`, {
      headers: deleteHeaders,
    })
    expect([deleted.status, deletedAgain.status, deletedAgain.headers['idempotent-replayed']]).toEqual([
      204,
      204,
      'true',
    ])
    // Another key's identical Idempotency-Key is its own.
    const editor = await crm.call('POST', '/v1/crm/contacts', {
      key: keys.editor,
      body: { email: 'idem2@example.com' },
      headers,
    })
    expect(editor.status).toBe(201)
  })

  it('answers 409 to a retry that arrives while the first request runs', async () => {
    const headers = { 'idempotency-key': 'slow-one' }
    const answers = await Promise.all([
      crm.call('POST', '/v1/crm/contacts/batch/create', {
        body: { inputs: Array.from({ length: 30 }, (_, i) => ({ email: `slow${i}@example.com` })) },
        headers,
      }),
      crm.call('POST', '/v1/crm/contacts/batch/create', {
        body: { inputs: Array.from({ length: 30 }, (_, i) => ({ email: `slow${i}@example.com` })) },
        headers,
      }),
    ])
    expect(answers.map((answer) => answer.status).sort()).toEqual([201, 409])
  })
})

describe('rate limits', () => {
  it('sends RateLimit-* headers and answers 429 with Retry-After past the limit', async () => {
    const limited = await crm.fork({ rateLimitMax: 3, rateLimitWindowMs: 60_000 })
    try {
      const answers = []
      for (let i = 0; i < 4; i += 1) answers.push(await limited.call('GET', '/v1/crm/contacts'))
      expect(answers[0]!.headers['ratelimit-limit']).toBe('3')
      expect(answers[0]!.headers['ratelimit-remaining']).toBe('2')
      expect(Number(answers[0]!.headers['ratelimit-reset'])).toBeGreaterThan(0)
      expect(answers[3]!.status).toBe(429)
      expect(answers[3]!.body.code).toBe('RASTRO_ERR_CRM_RATE_LIMITED')
      expect(Number(answers[3]!.headers['retry-after'])).toBeGreaterThan(0)
      // Limits are per key: another key still gets through.
      expect((await limited.call('GET', '/v1/crm/contacts', { key: keys.viewer })).status).toBe(200)
    } finally {
      await limited.stop()
    }
  })
})

describe('search', () => {
  it('ORs filter groups, ANDs their filters, searches free text and custom properties', async () => {
    expect(
      (await crm.call('POST', '/v1/crm/properties/contact', { body: { name: 'seats', type: 'number' } }))
        .status,
    ).toBe(201)
    await crm.call('POST', '/v1/crm/contacts/batch/create', {
      body: {
        inputs: [
          {
            email: 'sofia@big.example',
            firstName: 'Sofia',
            lifecycleStage: 'lead',
            properties: { seats: 50 },
          },
          { email: 'tom@small.example', firstName: 'Tom', lifecycleStage: 'lead', properties: { seats: 3 } },
          {
            email: 'uma@big.example',
            firstName: 'Uma',
            lifecycleStage: 'customer',
            properties: { seats: 80 },
          },
        ],
      },
    })
    const search = await crm.call('POST', '/v1/crm/contacts/search', {
      body: {
        filterGroups: [
          {
            filters: [
              { propertyName: 'lifecycleStage', operator: 'EQ', value: 'LEAD' },
              { propertyName: 'seats', operator: 'GTE', value: 10 },
            ],
          },
          { filters: [{ propertyName: 'email', operator: 'CONTAINS_TOKEN', value: 'uma@' }] },
        ],
        sorts: [{ propertyName: 'seats', direction: 'DESCENDING' }],
      },
    })
    expect(search.status).toBe(200)
    expect(search.body.results.map((contact: any) => contact.firstName)).toEqual(['Uma', 'Sofia'])
    const text = await crm.call('POST', '/v1/crm/contacts/search', { body: { query: 'TOM' } })
    expect(text.body.results.map((contact: any) => contact.email)).toEqual(['tom@small.example'])
    const listed = await crm.call('GET', '/v1/crm/contacts?q=TOM')
    expect(listed.body.results.map((contact: any) => contact.email)).toEqual(['tom@small.example'])
    const wrongType = await crm.call('POST', '/v1/crm/contacts', { body: { properties: { seats: 'many' } } })
    expect(wrongType.body).toMatchObject({ status: 400, field: 'properties.seats' })
  })
})

describe('deals and pipelines', () => {
  it('moves a deal through the default pipeline and shows it on the board and the contact’s timeline', async () => {
    const pipelines = await crm.call('GET', '/v1/crm/pipelines')
    expect(pipelines.body.results[0].stages.map((stage: any) => stage.id)).toEqual([
      'new',
      'contacted',
      'qualified',
      'demo',
      'proposal',
      'negotiation',
      'won',
      'lost',
    ])
    const contact = await crm.call('POST', '/v1/crm/contacts', { body: { email: 'buyer@example.com' } })
    const deal = await crm.call('POST', '/v1/crm/deals', {
      body: { name: 'Wholesale beans', amountMinor: 120_000, currency: 'EUR', contactId: contact.body.id },
    })
    expect(deal.status).toBe(201)
    expect(deal.body).toMatchObject({
      pipelineId: 'default',
      stageId: 'new',
      status: 'open',
      probability: 0.05,
    })
    const moved = await crm.call('PATCH', `/v1/crm/deals/${deal.body.id}`, {
      body: { stageId: 'proposal' },
      headers: { 'if-match': `"${deal.body.version}"` },
    })
    expect(moved.body).toMatchObject({ stageId: 'proposal', probability: 0.6, version: 2 })
    const board = await crm.call('GET', '/v1/crm/pipelines/default/board')
    const proposal = board.body.stages.find((stage: any) => stage.stage.id === 'proposal')
    expect(proposal).toMatchObject({
      count: 1,
      amounts: [{ currency: 'EUR', amountMinor: 120_000, weightedAmountMinor: 72_000 }],
    })
    expect(proposal.deals.map((item: any) => item.id)).toEqual([deal.body.id])
    const won = await crm.call('PATCH', `/v1/crm/deals/${deal.body.id}`, { body: { stageId: 'won' } })
    expect(won.body).toMatchObject({ status: 'won', probability: 1 })
    expect(won.body.closedAt).toEqual(expect.any(String))
    const timeline = await crm.call('GET', `/v1/crm/contacts/${contact.body.id}/timeline`)
    const stages = timeline.body.results
      .filter((item: any) => item.name === 'deal.stage_changed')
      .map((item: any) => `${item.properties.from}→${item.properties.to}`)
    expect(stages).toEqual(['proposal→won', 'new→proposal'])
    const custom = await crm.call('POST', '/v1/crm/pipelines', {
      body: {
        name: 'Partners',
        stages: [
          { id: 'talk', name: 'Talk', probability: 0.3 },
          { id: 'signed', name: 'Signed', probability: 1, isWon: true },
        ],
      },
    })
    expect(custom.status).toBe(201)
    const partnerDeal = await crm.call('POST', '/v1/crm/deals', {
      body: { name: 'Reseller', pipelineId: custom.body.id },
    })
    expect(partnerDeal.body.stageId).toBe('talk')
    const removeStage = await crm.call('PATCH', `/v1/crm/pipelines/${custom.body.id}`, {
      body: { stages: [{ id: 'signed', name: 'Signed', probability: 1, isWon: true }] },
    })
    expect(removeStage.body).toMatchObject({ status: 409, code: 'RASTRO_ERR_CRM_CONFLICT' })
  })

  it('archives a company, a deal and a note: 204, then 404, and the deletion on the contact’s timeline', async () => {
    const contact = await crm.call('POST', '/v1/crm/contacts', { body: { email: 'leaving@example.com' } })
    const company = await crm.call('POST', '/v1/crm/companies', {
      body: { name: 'Gone Ltd', domain: 'gone.example' },
    })
    const deal = await crm.call('POST', '/v1/crm/deals', {
      body: { name: 'Lost cause', contactId: contact.body.id },
    })
    const note = await crm.call('POST', '/v1/crm/notes', {
      body: { body: 'Call back', contactId: contact.body.id },
    })
    for (const path of [
      `/v1/crm/companies/${company.body.id}`,
      `/v1/crm/deals/${deal.body.id}`,
      `/v1/crm/notes/${note.body.id}`,
    ]) {
      expect((await crm.call('GET', path)).status).toBe(200)
      expect((await crm.call('DELETE', path, { key: keys.viewer })).status).toBe(403)
      expect((await crm.call('DELETE', path)).status).toBe(204)
      expect((await crm.call('GET', path)).status).toBe(404)
      expect((await crm.call('DELETE', path)).body).toMatchObject({
        status: 404,
        code: 'RASTRO_ERR_CRM_NOT_FOUND',
      })
    }
    const timeline = await crm.call('GET', `/v1/crm/contacts/${contact.body.id}/timeline`)
    const names = timeline.body.results.map((item: any) => item.name)
    expect(names).toEqual(expect.arrayContaining(['deal.deleted', 'note.deleted']))
  })
})

describe('OpenAPI', () => {
  it('serves a document generated from the routes’ zod schemas at /docs', async () => {
    const document = await crm.call('GET', '/docs/json', { key: null })
    expect(document.status).toBe(200)
    expect(document.body.openapi).toBe('3.1.0')
    const upsert = document.body.paths['/v1/crm/contacts/upsert'].post
    expect(upsert['x-required-scope']).toBe('crm:write')
    expect(upsert.requestBody.content['application/json'].schema.properties.idProperty.enum).toEqual([
      'email',
      'phone',
      'externalId',
    ])
    expect(
      document.body.paths['/v1/crm/contacts/{id}/timeline'].get.parameters.map((p: any) => p.name),
    ).toEqual(['id', 'limit', 'cursor'])
    expect(Object.keys(document.body.paths).length).toBeGreaterThan(40)
    const ui = await crm.call('GET', '/docs', { key: null })
    expect([200, 302]).toContain(ui.status)
  })
})
