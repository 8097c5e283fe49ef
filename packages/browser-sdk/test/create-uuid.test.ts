import { afterEach, describe, expect, it, vi } from 'vitest'
import { createUuid, createUuidV7 } from '../src/util/create-uuid.js'

const V4 = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/
const V7 = /^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/

afterEach(() => vi.unstubAllGlobals())

describe('createUuid', () => {
  it('makes distinct v4 UUIDs', () => {
    const ids = new Set(Array.from({ length: 1000 }, createUuid))
    expect(ids.size).toBe(1000)
    for (const id of ids) expect(id).toMatch(V4)
  })

  it('falls back to getRandomValues without randomUUID (http pages), then to Math.random', () => {
    vi.stubGlobal('crypto', { getRandomValues: (a: Uint8Array) => a.fill(255) })
    expect(createUuid()).toBe('ffffffff-ffff-4fff-bfff-ffffffffffff')
    vi.stubGlobal('crypto', { getRandomValues: (a: Uint8Array) => a.fill(0) })
    expect(createUuid()).toBe('00000000-0000-4000-8000-000000000000')
    let calls = 0
    vi.stubGlobal('crypto', { getRandomValues: (a: Uint8Array) => (calls++, a.fill(7)) })
    expect(createUuid()).toBe('07070707-0707-4707-8707-070707070707')
    expect(calls).toBe(1)
    vi.stubGlobal('crypto', undefined)
    expect(createUuid()).toMatch(V4)
  })
})

describe('createUuidV7', () => {
  it('starts with the time in ms, so ids sort by creation time', () => {
    const t = Date.UTC(2026, 0, 1)
    const id = createUuidV7(t)
    expect(id).toMatch(V7)
    expect(parseInt(id.slice(0, 8) + id.slice(9, 13), 16)).toBe(t)
    expect(createUuidV7(t + 1) > id).toBe(true)
  })
})
