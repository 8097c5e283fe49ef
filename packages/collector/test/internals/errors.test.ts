import { readFileSync } from 'node:fs'
import { describe, expect, it } from 'vitest'
import { allErrorCodes, collectorErrorCodes } from '../../src/errors.js'

// The first part of the page lists the API's and the collector's codes; SDK sections (`## …`) follow.
const doc = readFileSync(new URL('../../../../docs/errors.md', import.meta.url), 'utf8').split(/^## /m)[0]!
const documented = new Map(
  [...doc.matchAll(/^\|\s*`(RASTRO_ERR_[A-Z_]+)`\s*\|([^|]+)\|/gm)].map((match) => [
    match[1]!,
    match[2]!.trim(),
  ]),
)

describe('docs/errors.md', () => {
  it('lists every error code with its HTTP status, and no code that does not exist', () => {
    const expected = new Map(
      Object.entries(allErrorCodes).map(([code, { statusCode }]) => [
        code,
        code in collectorErrorCodes ? '–' : String(statusCode),
      ]),
    )
    expect(Object.fromEntries(documented)).toEqual(Object.fromEntries(expected))
  })
})
