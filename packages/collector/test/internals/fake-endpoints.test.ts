/**
 * The fake Meta and GA4 endpoints refuse what the real ones refuse (shared/specs/forwarding.md §1
 * and §2 checklists), so the forwarding tests that pass through them mean something.
 */
import { createHash } from 'node:crypto'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startFakeGa4, type FakeGa4 } from '../helpers/fake-ga4.js'
import { startFakeMeta, type FakeMeta } from '../helpers/fake-meta.js'

const sha256 = (text: string) => createHash('sha256').update(text).digest('hex')
let meta: FakeMeta
let ga4: FakeGa4

beforeAll(async () => {
  ;[meta, ga4] = await Promise.all([startFakeMeta(), startFakeGa4()])
})
afterAll(async () => {
  await Promise.all([meta.close(), ga4.close()])
})

describe('fake Meta', () => {
  const now = () => Math.floor(Date.now() / 1000)
  const valid = () => ({
    event_name: 'Purchase',
    event_time: now(),
    event_id: 'o-1',
    action_source: 'website',
    event_source_url: 'https://shop.example/thanks',
    user_data: { em: sha256('a@b.co'), client_user_agent: 'Mozilla/5.0', client_ip_address: '203.0.113.1' },
    custom_data: { value: 10, currency: 'EUR' },
  })
  async function post(data: unknown[], token = [...meta.tokens][0]) {
    const response = await fetch(`${meta.url}/v26.0/${meta.pixelId}/events`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ data, access_token: token }),
    })
    return { status: response.status, body: (await response.json()) as any }
  }

  it('accepts a valid batch, as JSON or as form data', async () => {
    expect(await post([valid()])).toMatchObject({ status: 200, body: { events_received: 1 } })
    const form = new URLSearchParams({ data: JSON.stringify([valid()]), access_token: [...meta.tokens][0]! })
    const response = await fetch(`${meta.url}/v26.0/${meta.pixelId}/events`, { method: 'POST', body: form })
    expect(response.status).toBe(200)
  })

  it.each([
    ['a plain-text email', { user_data: { ...valid().user_data, em: 'a@b.co' } }, 2804003],
    ['a hashed IP', { user_data: { ...valid().user_data, client_ip_address: sha256('1.2.3.4') } }, 2804003],
    ['a time 8 days ago', { event_time: now() - 8 * 86_400 }, 2804003],
    ['a website event without a user agent', { user_data: { em: sha256('a@b.co') } }, 2804003],
    ['a purchase without currency', { custom_data: { value: 10 } }, 2804003],
    [
      'only first name and gender',
      { action_source: 'system_generated', user_data: { fn: sha256('ana'), ge: sha256('f') } },
      2804050,
    ],
  ])('refuses the whole batch for %s', async (_what, change, subcode) => {
    const answer = await post([valid(), { ...valid(), ...change }])
    expect(answer).toMatchObject({ status: 400, body: { error: { code: 100, error_subcode: subcode } } })
  })

  it('refuses more than 1,000 events and a bad token', async () => {
    expect((await post(Array.from({ length: 1001 }, valid))).status).toBe(400)
    expect(await post([valid()], 'EAAwrong-token')).toMatchObject({
      status: 401,
      body: { error: { code: 190 } },
    })
  })
})

describe('fake GA4', () => {
  async function debug(body: unknown) {
    const response = await fetch(
      `${ga4.url}/debug/mp/collect?measurement_id=${ga4.measurementId}&api_secret=x`,
      {
        method: 'POST',
        body: JSON.stringify(body),
      },
    )
    return ((await response.json()) as any).validationMessages.map((message: any) => message.validationCode)
  }
  const event = (params: object = {}, name = 'purchase') => ({
    name,
    params: {
      transaction_id: 't',
      currency: 'EUR',
      value: 1,
      session_id: '1',
      engagement_time_msec: '100',
      ...params,
    },
  })

  it('finds nothing wrong with a valid request, and answers 204 on /mp/collect whatever it gets', async () => {
    expect(await debug({ client_id: 'c', consent: { ad_user_data: 'GRANTED' }, events: [event()] })).toEqual(
      [],
    )
    const response = await fetch(`${ga4.url}/mp/collect`, { method: 'POST', body: '{"bad":' })
    expect(response.status).toBe(204)
  })

  it('reports the validation server’s codes', async () => {
    expect(await debug({ events: [event()] })).toEqual(['VALUE_REQUIRED'])
    expect(await debug({ client_id: 'c', events: Array.from({ length: 26 }, () => event()) })).toEqual([
      'EXCEEDED_MAX_ENTITIES',
    ])
    expect(await debug({ client_id: 'c', events: [event({}, '_bad')] })).toEqual(['NAME_INVALID'])
    expect(await debug({ client_id: 'c', events: [event({}, 'session_start')] })).toEqual(['NAME_RESERVED'])
    expect(await debug({ client_id: 'c', events: [event({ currency: undefined })] })).toEqual([
      'VALUE_REQUIRED',
    ])
    expect(await debug({ client_id: 'c', events: [event({ items: [{ price: 1 }] })] })).toEqual([
      'VALUE_REQUIRED',
    ])
    expect(await debug({ client_id: 'c', events: [event({ page_title: 'x'.repeat(301) })] })).toEqual([
      'VALUE_OUT_OF_BOUNDS',
    ])
    const old = (Date.now() - 73 * 3600 * 1000) * 1000
    expect(await debug({ client_id: 'c', events: [{ ...event(), timestamp_micros: old }] })).toEqual([
      'VALUE_OUT_OF_BOUNDS',
    ])
    expect(await debug({ client_id: 'c', consent: { ad_user_data: 'YES' }, events: [event()] })).toEqual([
      'VALUE_INVALID',
    ])
    expect(
      await debug({ client_id: 'c', user_data: { sha256_email_address: ['a@b.co'] }, events: [event()] }),
    ).toEqual(['VALUE_INVALID'])
  })
})
