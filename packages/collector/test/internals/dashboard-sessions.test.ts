import type { FastifyRequest } from 'fastify'
import { describe, expect, it } from 'vitest'
import { DashboardSessions, getCookie } from '../../src/query/dashboard-sessions.js'

const owner = { tenantId: 'one', role: 'owner' as const, name: 'backend' }

function requestWith(id: string, method = 'GET', origin?: string): FastifyRequest {
  return {
    method,
    protocol: 'http',
    host: 'collector.example',
    headers: { cookie: `other=1; rastro_session=${id}`, ...(origin ? { origin } : {}) },
  } as unknown as FastifyRequest
}

describe('DashboardSessions', () => {
  it('gives a random id that resolves to the key’s tenant and role, never the key', () => {
    const sessions = new DashboardSessions()
    const id = sessions.create(owner, 'sk_secret_0123456789')
    expect(id).toMatch(/^[\w-]{43}$/)
    expect(sessions.create(owner, 'sk_secret_0123456789')).not.toBe(id)
    const session = sessions.find(id)!
    expect(session).toMatchObject(owner)
    expect(JSON.stringify(session)).not.toContain('sk_secret_0123456789')
    expect(session.keySha256).toMatch(/^[0-9a-f]{64}$/)
  })

  it('forgets a session at its expiry and on sign-out', () => {
    let now = 1_000
    const sessions = new DashboardSessions({ ttlMs: 500, now: () => now })
    const id = sessions.create(owner, 'sk_secret_0123456789')
    now = 1_499
    expect(sessions.find(id)).toBeDefined()
    now = 1_500
    expect(sessions.find(id)).toBeUndefined()
    const other = sessions.create(owner, 'sk_secret_0123456789')
    sessions.delete(other)
    expect(sessions.find(other)).toBeUndefined()
  })

  it('drops the oldest session past the cap', () => {
    const sessions = new DashboardSessions({ maxSessions: 2 })
    const [a, b, c] = [1, 2, 3].map(() => sessions.create(owner, 'sk_secret_0123456789'))
    expect([a, b, c].map((id) => sessions.find(id) !== undefined)).toEqual([false, true, true])
  })

  it('lets a write use the cookie only from its own origin (or without an Origin header)', () => {
    const sessions = new DashboardSessions()
    const id = sessions.create(owner, 'sk_secret_0123456789')
    expect(sessions.findForRequest(requestWith(id))).toBeDefined()
    expect(sessions.findForRequest(requestWith(id, 'GET', 'https://evil.example'))).toBeDefined()
    expect(sessions.findForRequest(requestWith(id, 'PATCH', 'http://collector.example'))).toBeDefined()
    expect(sessions.findForRequest(requestWith(id, 'PATCH'))).toBeDefined()
    expect(sessions.findForRequest(requestWith(id, 'POST', 'https://evil.example'))).toBeUndefined()
    expect(sessions.findForRequest(requestWith('not-a-session'))).toBeUndefined()
  })
})

describe('getCookie', () => {
  it('reads one cookie of a Cookie header', () => {
    expect(getCookie('a=1; rastro_session=xyz; b=2', 'rastro_session')).toBe('xyz')
    expect(getCookie('xrastro_session=no', 'rastro_session')).toBeUndefined()
    expect(getCookie(undefined, 'rastro_session')).toBeUndefined()
  })
})
