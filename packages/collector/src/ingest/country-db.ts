/**
 * IP address → country, from a MaxMind DB (MMDB) file read into memory once at start, so a lookup
 * needs neither the network nor the disk. The default file is the GeoFeed + WHOIS + ASN country
 * database of ip-location-db (`@ip-location-db/geo-whois-asn-country-mmdb`, data CC BY 4.0 by the
 * NRO, https://github.com/sapics/ip-location-db), read with `mmdb-lib`
 * (https://maxmind.github.io/MaxMind-DB/). Country level only: the registry data says where an
 * address block is registered or announced, which is the visitor's country for almost every
 * home and mobile connection, and not for VPNs, relays and some multinational networks.
 */
import { readFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import { isIP } from 'node:net'
import { Reader, type Response } from 'mmdb-lib'
import { createError } from '../errors.js'
import { isSpecialPurposeIPv4, isSpecialPurposeIPv6 } from '../util/is-special-purpose-ip.js'
import { rememberLast } from '../util/remember-last.js'

/** The country database the collector ships with (an npm dependency; update it by bumping the package). */
export const DEFAULT_COUNTRY_DB = '@ip-location-db/geo-whois-asn-country-mmdb/geo-whois-asn-country.mmdb'

/** What a country MMDB answers: ip-location-db's `country_code`, or MaxMind's and DB-IP's `country.iso_code`. */
interface CountryRecord {
  country_code?: unknown
  country?: { iso_code?: unknown }
  registered_country?: { iso_code?: unknown }
}

const ALPHA_2 = /^[A-Z]{2}$/
/** `::ffff:203.0.113.7`: an IPv4 client of a dual-stack socket. */
const IPV4_MAPPED = /^::ffff:\d+\.\d+\.\d+\.\d+$/i

/** The record's country code, `''` when it has none or the reader refuses the address. */
function getRecordCountry(reader: Reader<Response>, address: string): string {
  let record: CountryRecord | null
  try {
    record = reader.get(address) as CountryRecord | null
  } catch {
    return ''
  }
  const code = record?.country_code ?? record?.country?.iso_code ?? record?.registered_country?.iso_code
  return typeof code === 'string' && ALPHA_2.test(code) ? code : ''
}

/**
 * Decoded records kept by `mmdb-lib`, keyed by their offset in the file. A country database has
 * one record per country (~250); the bound keeps a city database given by mistake from growing it.
 */
const DECODER_CACHE_ENTRIES = 4096

/** Looks up the country of client IPs. */
export interface CountryDb {
  /**
   * @param ip the client IP as the request gave it (IPv4, IPv6 or IPv4-mapped IPv6)
   * @returns ISO 3166-1 alpha-2 in upper case (`ES`), or `''` when `ip` is not an IP address, is
   *   special-purpose (private, loopback, link-local, documentation…: see is-special-purpose-ip.ts)
   *   or is not in the database
   */
  getCountry(ip: string): string
  /** The file read. */
  readonly path: string
  /** When the file's data was built (epoch ms), from its metadata. */
  readonly builtAtMs: number
  /** Size of the file held in memory (bytes). */
  readonly sizeBytes: number
}

/** Resolves {@link DEFAULT_COUNTRY_DB} to its file. */
export function getDefaultCountryDbPath(): string {
  return createRequire(import.meta.url).resolve(DEFAULT_COUNTRY_DB)
}

/**
 * Reads a country MMDB file into memory (~8 MB and ~10 ms for the default one, measured).
 *
 * @param path an `.mmdb` file; default: {@link getDefaultCountryDbPath}
 * @throws RastroError `RASTRO_ERR_CONFIG_INVALID` (field `countryDbPath`) when the file cannot be
 *   read or is not a MaxMind DB
 */
export function loadCountryDb(path: string = getDefaultCountryDbPath()): CountryDb {
  let reader: Reader<Response>
  let size: number
  try {
    const file = readFileSync(path)
    size = file.length
    const decoded = new Map<number | string, unknown>()
    reader = new Reader<Response>(file, {
      cache: {
        get: (key: number | string) => decoded.get(key),
        set: (key: number | string, value: unknown) => {
          if (decoded.size < DECODER_CACHE_ENTRIES) decoded.set(key, value)
        },
      },
    })
  } catch (cause) {
    throw createError('RASTRO_ERR_CONFIG_INVALID', {
      field: 'countryDbPath',
      message: `cannot read the country database ${path}: ${(cause as Error).message}`,
      cause,
    })
  }
  return {
    path,
    builtAtMs: reader.metadata.buildEpoch.getTime(),
    sizeBytes: size,
    // A request's events share their IP: the last answer is kept.
    getCountry: rememberLast((ip) => {
      const address = IPV4_MAPPED.test(ip) ? ip.slice(7) : ip
      const version = isIP(address)
      const looked =
        version === 4 ? !isSpecialPurposeIPv4(address) : version === 6 && !isSpecialPurposeIPv6(address)
      return looked ? getRecordCountry(reader, address) : ''
    }),
  }
}
