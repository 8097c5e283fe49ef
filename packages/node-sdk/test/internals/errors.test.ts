import { readFileSync } from 'node:fs'
import { describe, expect, it } from 'vitest'
import { nodeErrorCodes } from '../../src/errors.js'

const page = readFileSync(new URL('../../../../docs/errors.md', import.meta.url), 'utf8')
const section = page.split(/^## /m).find((part) => part.startsWith('@rastro/node')) ?? ''

describe('docs/errors.md', () => {
  it('lists every @rastro/node code in its section, and no code that does not exist', () => {
    const documented = [...section.matchAll(/^\|\s*`(RASTRO_ERR_[A-Z_]+)`\s*\|/gm)].map((match) => match[1])
    expect(documented.sort()).toEqual(Object.keys(nodeErrorCodes).sort())
  })
})
