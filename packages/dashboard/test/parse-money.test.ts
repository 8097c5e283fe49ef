/** Amounts typed in the deal form become minor units of the tenant's currency, and back. */
import { describe, expect, it } from 'vitest'
import { parseMoney, toMajorText } from '../src/format.js'

describe('parseMoney', () => {
  it.each([
    ['1250', 'EUR', 125_000],
    ['1250.5', 'EUR', 125_050],
    ['1250,50', 'EUR', 125_050],
    ['1,250.50', 'USD', 125_050],
    ['1.250,50', 'EUR', 125_050],
    ['1 250', 'EUR', 125_000],
    ['1,250', 'USD', 125_000],
    ['1.250', 'EUR', 125_000],
    ['1,250,000', 'USD', 125_000_000],
    ['.5', 'EUR', 50],
    ['0', 'EUR', 0],
    ['1500', 'JPY', 1500],
    ['1.5', 'BHD', 1500],
  ])('%s %s → %i minor units', (text, currency, minor) => {
    expect(parseMoney(text, currency)).toBe(minor)
  })

  it.each([
    ['', 'EUR'],
    ['-5', 'EUR'],
    ['12.345.6', 'EUR'],
    ['1,25,0', 'EUR'],
    ['1.', 'EUR'],
    ['€10', 'EUR'],
    ['1.5', 'JPY'],
    ['1.9999', 'EUR'],
    ['ten', 'EUR'],
  ])('refuses %j in %s', (text, currency) => {
    expect(parseMoney(text, currency)).toBeUndefined()
  })
})

describe('toMajorText', () => {
  it('writes minor units as plain major units that parse back', () => {
    expect(toMajorText(125_050, 'EUR')).toBe('1250.50')
    expect(toMajorText(1500, 'JPY')).toBe('1500')
    expect(parseMoney(toMajorText(125_050, 'EUR'), 'EUR')).toBe(125_050)
  })
})
