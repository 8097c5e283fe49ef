/**
 * Cookieless visitors against the real collector: events without identifiers get a visitor id
 * derived from the day's salt, the site, the IP and the user agent, and a session id.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { keys, queryRows, startCollector, type RunningCollector } from './helpers/start-collector.js'

let collector: RunningCollector

beforeAll(async () => {
  collector = await startCollector()
})
afterAll(async () => {
  await collector?.stop()
})

const auth = `Basic ${Buffer.from(`${keys.writeKey}:`).toString('base64')}`
let seq = 0
const id = (prefix: string) => `${prefix}-${Date.now()}-${++seq}`

async function send(batch: unknown[], userAgent = 'Mozilla/5.0 (X11; Linux x86_64) Firefox/140.0') {
  const response = await fetch(`${collector.url}/v1/batch`, {
    method: 'POST',
    headers: { 'content-type': 'text/plain', authorization: auth, 'user-agent': userAgent },
    body: JSON.stringify({ batch }),
  })
  return { status: response.status, body: (await response.json()) as Record<string, any> }
}

interface Row {
  message_id: string
  anonymous_id: string
  session_id: string
  context: string
}

async function getRows(ids: string[]): Promise<Map<string, Row>> {
  const rows = await queryRows<Row>(
    collector,
    'SELECT message_id, anonymous_id, session_id, context FROM events WHERE message_id IN {ids:Array(String)}',
    { ids },
  )
  return new Map(rows.map((row) => [row.message_id, row]))
}

describe('cookieless events', () => {
  it('get one visitor id and session per IP and user agent, and keep ids they carry', async () => {
    const page = (messageId: string, context: Record<string, unknown> = {}) => ({
      type: 'page',
      messageId,
      context: { cookieless: true, ...context },
    })
    const [a1, a2, otherIp, ownSession, ownId] = [id('a1'), id('a2'), id('ip'), id('own'), id('keep')]
    const first = await send([
      page(a1),
      page(a2),
      page(otherIp, { ip: '198.51.100.7' }),
      page(ownSession, { sessionId: 'sdk-session' }),
      { ...page(ownId), anonymousId: 'anon-given' },
      { type: 'page', messageId: id('none') },
    ])
    expect(first.status).toBe(200)
    expect(first.body).toMatchObject({
      accepted: 5,
      rejected: [{ index: 5, code: 'RASTRO_ERR_EVENT_NO_IDENTITY', field: 'anonymousId' }],
    })
    const otherUa = id('ua')
    expect((await send([page(otherUa)], 'Mozilla/5.0 (iPhone) Safari/605.1.15')).status).toBe(200)

    const rows = await getRows([a1, a2, otherIp, ownSession, ownId, otherUa])
    const visitor = rows.get(a1)!.anonymous_id
    expect(visitor).toMatch(/^cl_[A-Za-z0-9_-]{22}$/)
    expect(rows.get(a2)!.anonymous_id).toBe(visitor)
    expect(rows.get(ownSession)!.anonymous_id).toBe(visitor)
    expect(rows.get(otherIp)!.anonymous_id).toMatch(/^cl_/)
    expect(rows.get(otherIp)!.anonymous_id).not.toBe(visitor)
    expect(rows.get(otherUa)!.anonymous_id).not.toBe(visitor)
    expect(rows.get(ownId)!.anonymous_id).toBe('anon-given')

    const session = rows.get(a1)!.session_id
    expect(session.startsWith(`${visitor}.`)).toBe(true)
    expect(rows.get(a2)!.session_id).toBe(session)
    expect(JSON.parse(rows.get(a1)!.context)).toMatchObject({ cookieless: true, sessionId: session })
    expect(rows.get(ownSession)!.session_id).toBe('sdk-session')
    expect(rows.get(otherIp)!.session_id).not.toBe(session)
  })

  it('are accepted by the single-event endpoints too', async () => {
    const messageId = id('single')
    const response = await fetch(`${collector.url}/v1/track`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: auth },
      body: JSON.stringify({ event: 'Signed Up', messageId, context: { cookieless: true } }),
    })
    expect(response.status).toBe(200)
    expect((await getRows([messageId])).get(messageId)?.anonymous_id).toMatch(/^cl_/)
  })
})
