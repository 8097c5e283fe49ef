import { describe, expect, it } from 'vitest'
import { rememberLast } from '../../src/util/remember-last.js'

describe('rememberLast', () => {
  it('computes again only when the key changes, and keeps no answer of a call that threw', () => {
    const keys: string[] = []
    const lengthOf = rememberLast((key: string) => {
      keys.push(key)
      if (key === 'bad') throw new Error('bad key')
      return key.length
    })
    expect([lengthOf('ab'), lengthOf('ab'), lengthOf('abc'), lengthOf('ab')]).toEqual([2, 2, 3, 2])
    expect(() => lengthOf('bad')).toThrow('bad key')
    expect(lengthOf('ab')).toBe(2)
    expect(keys).toEqual(['ab', 'abc', 'ab', 'bad'])
  })
})
