import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { loadCountryDb } from '../../src/ingest/country-db.js'
import { isSpecialPurposeIPv4, isSpecialPurposeIPv6 } from '../../src/util/is-special-purpose-ip.js'
import { createCountryMmdb } from '../fixtures/create-country-mmdb.js'

describe('isSpecialPurposeIPv4', () => {
  it('matches the IANA special-purpose ranges at their edges and nothing beside them', () => {
    const special = [
      '0.0.0.0',
      '10.255.255.255',
      '100.64.0.0',
      '100.127.255.255',
      '127.0.0.1',
      '169.254.1.1',
      '172.16.0.1',
      '172.31.255.255',
      '192.0.0.8',
      '192.0.2.1',
      '192.88.99.1',
      '192.168.0.1',
      '198.18.0.1',
      '198.19.255.255',
      '198.51.100.7',
      '203.0.113.9',
      '224.0.0.1',
      '255.255.255.255',
    ]
    const global = [
      '1.1.1.1',
      '9.255.255.255',
      '11.0.0.0',
      '100.63.255.255',
      '100.128.0.0',
      '169.253.0.1',
      '172.15.255.255',
      '172.32.0.0',
      '192.0.1.1',
      '192.88.98.1',
      '192.169.0.1',
      '198.17.0.1',
      '198.20.0.1',
      '198.51.101.1',
      '203.0.114.1',
      '223.255.255.255',
    ]
    expect(special.filter((ip) => !isSpecialPurposeIPv4(ip))).toEqual([])
    expect(global.filter(isSpecialPurposeIPv4)).toEqual([])
  })
})

describe('isSpecialPurposeIPv6', () => {
  it('matches loopback, ULA, link-local, multicast, documentation and IETF blocks only', () => {
    const special = [
      '::',
      '::1',
      '100::1',
      '2001::1',
      '2001:1ff::1',
      '2001:db8::1',
      '3fff:fff::1',
      'fc00::1',
      'FD12:3456::1',
      'fe80::1',
      'ff02::1',
    ]
    const global = [
      '2001:200::1',
      '2001:4860:4860::8888',
      '2001:db9::1',
      '2a00:1450::1',
      '3fff:1000::1',
      '2002:c000:201::1',
      'fbff::1',
    ]
    expect(special.filter((ip) => !isSpecialPurposeIPv6(ip))).toEqual([])
    expect(global.filter(isSpecialPurposeIPv6)).toEqual([])
  })
})

describe('loadCountryDb', () => {
  const countries = loadCountryDb()

  it('reads the bundled database and answers ISO 3166-1 alpha-2 codes', () => {
    expect(countries.path).toMatch(/geo-whois-asn-country\.mmdb$/)
    expect(countries.sizeBytes).toBeGreaterThan(1_000_000)
    expect(countries.builtAtMs).toBeGreaterThan(Date.UTC(2026, 0, 1))
    expect(['193.0.0.1', '2001:67c:2e8::1', '8.8.8.8', '::FFFF:8.8.8.8'].map(countries.getCountry)).toEqual([
      'NL',
      'NL',
      'US',
      'US',
    ])
  })

  it('answers the same for the same IP twice in a row, and empty for what is not a public address', () => {
    expect(countries.getCountry('193.0.0.1')).toBe('NL')
    expect(countries.getCountry('193.0.0.1')).toBe('NL')
    expect(
      ['', 'localhost', '1.2.3', '8.8.8.8 ', '192.168.1.1', '::ffff:10.0.0.1'].map(countries.getCountry),
    ).toEqual(['', '', '', '', '', ''])
  })

  it('reads another MMDB with MaxMind-style records (country.iso_code) from a path', () => {
    const dir = mkdtempSync(join(tmpdir(), 'rastro-mmdb-'))
    try {
      const path = join(dir, 'countries.mmdb')
      writeFileSync(path, createCountryMmdb('PT', 1_796_000_000))
      const custom = loadCountryDb(path)
      expect(custom.builtAtMs).toBe(1_796_000_000_000)
      expect(['1.2.3.4', '127.0.0.1', '200.1.1.1'].map(custom.getCountry)).toEqual(['PT', '', ''])
    } finally {
      rmSync(dir, { recursive: true, force: true })
    }
  })

  it('refuses a file that is not a country database with a config error naming the setting', () => {
    expect(() => loadCountryDb('/nonexistent/countries.mmdb')).toThrow(
      expect.objectContaining({ code: 'RASTRO_ERR_CONFIG_INVALID', field: 'countryDbPath' }),
    )
    expect(() => loadCountryDb(new URL(import.meta.url).pathname)).toThrow(
      expect.objectContaining({ code: 'RASTRO_ERR_CONFIG_INVALID', field: 'countryDbPath' }),
    )
  })
})
