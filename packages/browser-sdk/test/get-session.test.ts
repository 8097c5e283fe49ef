import { describe, expect, it } from 'vitest'
import { getSession, SESSION_KEY } from '../src/session/get-session.js'
import { createGatedStore } from '../src/storage/create-gated-store.js'

const createMemoryStore = () => createGatedStore([], () => true)

const MIN = 60_000
const t0 = Date.UTC(2026, 0, 1)

describe('getSession', () => {
  it('starts a session and keeps it while events come within 30 min of each other', () => {
    const store = createMemoryStore()
    const id = getSession(store, t0)
    expect(id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/)
    expect(getSession(store, t0 + 29 * MIN)).toBe(id)
    // Activity moves the deadline: 58 min after the start, but 29 min after the last event.
    expect(getSession(store, t0 + 58 * MIN)).toBe(id)
    expect(store.get(SESSION_KEY)).toBe(`${id}.${t0 + 58 * MIN}`)
  })

  it('records activity at most once a second, which moves the deadline by that second at most', () => {
    const store = createMemoryStore()
    const id = getSession(store, t0)
    expect(getSession(store, t0 + 400)).toBe(id)
    expect(store.get(SESSION_KEY)).toBe(`${id}.${t0}`)
    expect(getSession(store, t0 + 1000)).toBe(id)
    expect(store.get(SESSION_KEY)).toBe(`${id}.${t0 + 1000}`)
    // A new session is written at once.
    const next = getSession(store, t0 + 1000 + 30 * MIN)
    expect(next).not.toBe(id)
    expect(store.get(SESSION_KEY)).toBe(`${next}.${t0 + 1000 + 30 * MIN}`)
  })

  it('rotates after 30 min of inactivity', () => {
    const store = createMemoryStore()
    const first = getSession(store, t0)
    const second = getSession(store, t0 + 30 * MIN)
    expect(second).not.toBe(first)
    expect(getSession(store, t0 + 31 * MIN)).toBe(second)
  })

  it('is shared by every reader of the same storage (tabs)', () => {
    const store = createMemoryStore()
    const tabA = getSession(store, t0)
    const tabB = getSession(store, t0 + 20 * MIN)
    expect(tabB).toBe(tabA)
    // Tab B's activity keeps tab A's session alive.
    expect(getSession(store, t0 + 45 * MIN)).toBe(tabA)
  })

  it('honours a custom timeout and ignores garbage in storage', () => {
    const store = createMemoryStore()
    const id = getSession(store, t0, 1000)
    expect(getSession(store, t0 + 999, 1000)).toBe(id)
    expect(getSession(store, t0 + 2000, 1000)).not.toBe(id)
    store.set(SESSION_KEY, 'garbage')
    expect(getSession(store, t0 + 2001, 1000)).not.toBe('garbage')
  })

  it('caps a session at 24 h even when the visitor never stops', () => {
    const store = createMemoryStore()
    const id = getSession(store, t0)
    let t = t0
    while (t < t0 + 23 * 60 * MIN) expect(getSession(store, (t += 20 * MIN))).toBe(id)
    const next = getSession(store, t0 + 24 * 60 * MIN)
    expect(next).not.toBe(id)
    expect(getSession(store, t0 + 24 * 60 * MIN + 1)).toBe(next)
  })

  it('starts a new session when asked to (a new campaign)', () => {
    const store = createMemoryStore()
    const id = getSession(store, t0)
    expect(getSession(store, t0 + MIN, undefined, true)).not.toBe(id)
  })
})
