import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { VisitorIds } from '../../src/ingest/visitor-ids.js'
import { VisitorSalt } from '../../src/ingest/visitor-salt.js'

const DAY_MS = 86_400_000
const day1 = Date.UTC(2026, 11, 5, 10)
const day2 = day1 + DAY_MS
const visitor = { tenantId: 't', siteId: 's', ip: '203.0.113.9', userAgent: 'Mozilla/5.0' }

let dir: string
afterEach(() => rmSync(dir, { recursive: true, force: true }))

function readSaltFile() {
  return JSON.parse(readFileSync(join(dir, 'visitor-salt.json'), 'utf8')) as { day: number; salt: string }
}

describe('VisitorSalt', () => {
  it('keeps the day’s salt across restarts and replaces it, on disk too, when the day changes', () => {
    dir = mkdtempSync(join(tmpdir(), 'rastro-salt-'))
    const salt = new VisitorSalt(dir)
    const first = Buffer.from(salt.get(day1))
    expect(first).toHaveLength(32)
    expect(readSaltFile()).toEqual({ day: Math.floor(day1 / DAY_MS), salt: first.toString('hex') })
    expect(new VisitorSalt(dir).get(day1 + 3_600_000)).toEqual(first)

    const second = Buffer.from(salt.get(day2))
    expect(second).not.toEqual(first)
    expect(readSaltFile()).toEqual({ day: Math.floor(day2 / DAY_MS), salt: second.toString('hex') })
    expect(readFileSync(join(dir, 'visitor-salt.json'), 'utf8')).not.toContain(first.toString('hex'))
    // A past day's salt is gone for good: a late event gets today's.
    expect(salt.get(day1)).toEqual(second)
    expect(new VisitorSalt(dir).get(day1)).not.toEqual(first)
  })
})

describe('VisitorSalt when the disk refuses the new salt', () => {
  it('deletes the past day’s salt and keeps the new one in memory, without throwing', () => {
    dir = mkdtempSync(join(tmpdir(), 'rastro-salt-'))
    const first = Buffer.from(new VisitorSalt(dir).get(day1))
    const salt = new VisitorSalt(dir, {
      writeFile: () => {
        throw Object.assign(new Error('no space left on device'), { code: 'ENOSPC' })
      },
    })
    expect(salt.get(day1)).toEqual(first)
    const second = Buffer.from(salt.get(day2))
    expect(second).not.toEqual(first)
    expect(salt.get(day2 + 60_000)).toEqual(second)
    expect(existsSync(join(dir, 'visitor-salt.json'))).toBe(false)
  })
})

describe('VisitorIds', () => {
  it('hashes the visitor per day, site and tenant, and ends a session after 30 min of silence', () => {
    dir = mkdtempSync(join(tmpdir(), 'rastro-salt-'))
    const ids = new VisitorIds({ salt: new VisitorSalt(dir), maxSessions: 2 })
    const id = ids.getAnonymousId(visitor, day1)
    expect(ids.getAnonymousId(visitor, day1 + 60_000)).toBe(id)
    expect(ids.getAnonymousId({ ...visitor, siteId: 'other' }, day1)).not.toBe(id)
    expect(ids.getAnonymousId({ ...visitor, tenantId: 'other' }, day1)).not.toBe(id)
    expect(ids.getAnonymousId(visitor, day2)).not.toBe(id)

    const session = ids.getSessionId(id, day1)
    expect(ids.getSessionId(id, day1 + 29 * 60_000)).toBe(session)
    expect(ids.getSessionId(id, day1 + 58 * 60_000)).toBe(session)
    const next = ids.getSessionId(id, day1 + 89 * 60_000)
    expect(next).not.toBe(session)
    // Bounded memory: the least recently seen visitor is forgotten first.
    ids.getSessionId('b', day1 + 89 * 60_000)
    ids.getSessionId('c', day1 + 89 * 60_000)
    expect(ids.getSessionId(id, day1 + 90 * 60_000)).not.toBe(next)
  })
})
