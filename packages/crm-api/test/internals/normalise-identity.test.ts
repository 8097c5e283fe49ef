import { describe, expect, it } from 'vitest'
import { normaliseIdentity } from '../../src/identity/normalise-identity.js'

describe('normaliseIdentity', () => {
  it('lower-cases and trims emails and refuses what is not one', () => {
    expect(normaliseIdentity('email', '  Ana.Souza@Example.COM ')).toBe('ana.souza@example.com')
    expect(normaliseIdentity('email', 'ana@localhost')).toBeUndefined()
    expect(normaliseIdentity('email', 'two words@example.com')).toBeUndefined()
    expect(normaliseIdentity('email', 42)).toBeUndefined()
  })

  it('writes phones in E.164, with a default country for national numbers', () => {
    expect(normaliseIdentity('phone', '+34 600 00 00 00')).toBe('+34600000000')
    expect(normaliseIdentity('phone', '(415) 555-0100', 'US')).toBe('+14155550100')
    expect(normaliseIdentity('phone', '612 345 678')).toBeUndefined()
    expect(normaliseIdentity('phone', '612 345 678', 'ES')).toBe('+34612345678')
    expect(normaliseIdentity('phone', '12')).toBeUndefined()
  })

  it('writes RFID uids as upper-case hex and keeps other ids as sent', () => {
    expect(normaliseIdentity('rfid_uid', '04:a2:2b:1c')).toBe('04A22B1C')
    expect(normaliseIdentity('rfid_uid', 'not hex')).toBeUndefined()
    expect(normaliseIdentity('external_id', ' User-42 ')).toBe('User-42')
    expect(normaliseIdentity('external_id', 42)).toBe('42')
    expect(normaliseIdentity('anon_id', '')).toBeUndefined()
    expect(normaliseIdentity('anon_id', 'x'.repeat(201))).toBeUndefined()
  })
})
