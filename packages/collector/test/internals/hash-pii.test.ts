/**
 * Normalisation and hashing per destination. The Meta vectors are Meta's published examples
 * (customer-information-parameters), the Google phone vector the one in
 * shared/specs/forwarding.md §2; each was re-computed with `sha256sum`.
 */
import { describe, expect, it } from 'vitest'
import {
  hashWith,
  normalizeGoogleEmail,
  normalizeGoogleName,
  normalizeGooglePhone,
  normalizeGoogleStreet,
  normalizeMetaCity,
  normalizeMetaCountry,
  normalizeMetaDateOfBirth,
  normalizeMetaEmail,
  normalizeMetaExternalId,
  normalizeMetaGender,
  normalizeMetaName,
  normalizeMetaPhone,
  normalizeMetaState,
  normalizeMetaZip,
  sha256Hex,
} from '../../src/forward/hash-pii.js'

describe("Meta's published hashing examples", () => {
  it.each([
    [
      'em',
      'John_Smith@gmail.com',
      normalizeMetaEmail,
      '62a14e44f765419d10fea99367361a727c12365e2520f32218d505ed9aa0f62f',
    ],
    [
      'ph',
      '+1 (650) 555-1212',
      normalizeMetaPhone,
      'e323ec626319ca94ee8bff2e4c87cf613be6ea19919ed1364124e16807ab3176',
    ],
    ['fn', 'Mary', normalizeMetaName, '6915771be1c5aa0c886870b6951b03d7eafc121fea0e80a5ea83beb7c449f4ec'],
    ['ln', 'Valéry', normalizeMetaName, '08e1996b5dd49e62a4b4c010d44e4345592a863bb9f8e3976219bac29417149c'],
    [
      'db',
      '2/16/1997',
      normalizeMetaDateOfBirth,
      '01acdbf6ec7b4f478a225f1a246e5d6767eeab1a7ffa17f025265b5b94f40f0c',
    ],
    [
      'country',
      'United States',
      normalizeMetaCountry,
      '79adb2a2fce5c6ba215fe5f27f532d4e7edbac4b6a5e09e1ef3a08084a904621',
    ],
  ] as const)('%s: %s', (_key, input, normalize, digest) => {
    expect(hashWith(input, normalize as (text: string) => string | undefined)).toBe(digest)
  })

  it('normalises the values it hashes as the matrix says', () => {
    const meta = (value: string, normalize: (text: string) => string | undefined) =>
      normalize(value.normalize('NFC').trim().toLowerCase())
    expect(meta('0033 6 12 34 56 78', normalizeMetaPhone)).toBe('33612345678')
    expect(meta('12', normalizeMetaPhone)).toBeUndefined()
    expect(meta("Mary-Jane O'Neil", normalizeMetaName)).toBe('maryjaneoneil')
    expect(meta('New York', normalizeMetaCity)).toBe('newyork')
    expect(meta('California', normalizeMetaState)).toBe('ca')
    expect(meta('CA', normalizeMetaState)).toBe('ca')
    expect(meta('Île-de-France', normalizeMetaState)).toBe('îledefrance')
    expect(meta('94035-1234', normalizeMetaZip)).toBe('94035')
    expect(normalizeMetaZip('m1 1ae')).toBe('m11ae')
    expect(meta('Portugal', normalizeMetaCountry)).toBe('pt')
    expect(meta('USA', normalizeMetaCountry)).toBe('us')
    expect(meta('Female', normalizeMetaGender)).toBe('f')
    expect(meta('x', normalizeMetaGender)).toBeUndefined()
    expect(meta('1997-02-16', normalizeMetaDateOfBirth)).toBe('19970216')
    expect(meta('1997-02-16T00:00:00Z', normalizeMetaDateOfBirth)).toBe('19970216')
    expect(meta('2/30/1997', normalizeMetaDateOfBirth)).toBeUndefined()
    expect(meta('1/1/1850', normalizeMetaDateOfBirth)).toBeUndefined()
    expect(meta(' User 42 ', normalizeMetaExternalId)).toBe('user42')
    expect(meta('not an email', normalizeMetaEmail)).toBeUndefined()
  })

  it('gives a national phone number the country code of the address, else of the visitor', () => {
    // The matrix's own example: (650)555-1212 → 16505551212 → e323ec…, a US number.
    expect(hashWith('(650)555-1212', (text) => normalizeMetaPhone(text, 'us'))).toBe(
      'e323ec626319ca94ee8bff2e4c87cf613be6ea19919ed1364124e16807ab3176',
    )
    expect(normalizeMetaPhone('06 12 34 56 78', 'FR')).toBe('33612345678')
    expect(normalizeMetaPhone('020 7946 0958', 'gb')).toBe('442079460958')
    // Written with its country code, the visitor's country does not change it.
    expect(normalizeMetaPhone('+44 20 7946 0958', 'us')).toBe('442079460958')
    expect(normalizeMetaPhone('0044 20 7946 0958', 'fr')).toBe('442079460958')
    // No country known: the digits are taken to hold the country code, as Meta's SDK takes them.
    expect(normalizeMetaPhone('16505551212', undefined)).toBe('16505551212')
    expect(normalizeMetaPhone('16505551212', 'US')).toBe('16505551212')
  })

  it('passes a value that is already a digest through, and never hashes an empty value', () => {
    const digest = sha256Hex('john_smith@gmail.com')
    expect(hashWith(digest.toUpperCase(), normalizeMetaEmail)).toBe(digest)
    expect(hashWith('   ', normalizeMetaEmail)).toBeUndefined()
    expect(hashWith(undefined, normalizeMetaEmail)).toBeUndefined()
    expect(hashWith('...', normalizeMetaName)).toBeUndefined()
  })

  it('hashes the NFC form, so a decomposed é gives the same digest', () => {
    expect(hashWith('Vale\u0301ry', normalizeMetaName)).toBe(hashWith('Val\u00e9ry', normalizeMetaName))
  })
})

describe("Google's rules (GA4 user_data, enhanced conversions)", () => {
  it('hashes the E.164 phone with its +, unlike Meta', () => {
    expect(hashWith('+1 (650) 555-1212', normalizeGooglePhone)).toBe(
      '1e231c66011e7a2d867a9cfae267a6aff103cf4913640b6e71a99850fc0ffbc8',
    )
    expect(hashWith('(650) 555-1212', (text) => normalizeGooglePhone(text, 'US'))).toBe(
      '1e231c66011e7a2d867a9cfae267a6aff103cf4913640b6e71a99850fc0ffbc8',
    )
    expect(normalizeGooglePhone('612 34 56 78', 'es')).toBe('+34612345678')
  })

  it('removes the dots before @ of gmail.com and googlemail.com addresses only', () => {
    expect(normalizeGoogleEmail('john.smith@gmail.com')).toBe('johnsmith@gmail.com')
    expect(normalizeGoogleEmail('j.o.h.n@googlemail.com')).toBe('john@googlemail.com')
    expect(normalizeGoogleEmail('john.smith@example.com')).toBe('john.smith@example.com')
  })

  it('strips digits and symbols from names, symbols from streets', () => {
    expect(normalizeGoogleName('mary-jane 2nd')).toBe('maryjane nd')
    expect(normalizeGoogleStreet('1600 amphitheatre pkwy.')).toBe('1600 amphitheatre pkwy')
  })
})
