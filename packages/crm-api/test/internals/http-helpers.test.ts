import { describe, expect, it } from 'vitest'
import { createId } from '../../src/db/create-id.js'
import { createTenantWriter } from '../../src/db/create-tenant-writer.js'
import { decodeCursor, encodeCursor } from '../../src/http/cursor.js'
import { compileFilterGroups, Params } from '../../src/http/filter-sql.js'
import { toCsv } from '../../src/segments/to-csv.js'

describe('cursors', () => {
  it('round-trip a sort key and refuse anything else', () => {
    expect(decodeCursor(encodeCursor(['2026-01-01 00:00:00.000', 'id-1']), 2)).toEqual([
      '2026-01-01 00:00:00.000',
      'id-1',
    ])
    expect(() => decodeCursor(encodeCursor(['a']), 2)).toThrow(expect.objectContaining({ field: 'cursor' }))
    expect(() => decodeCursor('%%%', 1)).toThrow(
      expect.objectContaining({ code: 'RASTRO_ERR_CRM_INVALID_INPUT' }),
    )
    expect(() => decodeCursor(Buffer.from('[{"a":1}]').toString('base64url'), 1)).toThrow()
  })
})

describe('filter groups', () => {
  it('compile to parameterised SQL: groups OR-ed, filters AND-ed, values never inlined', () => {
    const params = new Params()
    const sql = compileFilterGroups(
      [
        {
          filters: [
            { propertyName: 'email', operator: 'EQ', value: "x'; DROP TABLE t; --" },
            { propertyName: 'n', operator: 'BETWEEN', value: 1, highValue: 5 },
          ],
        },
        { filters: [{ propertyName: 'email', operator: 'NOT_IN', values: ['A', 'b'] }] },
      ],
      (name) =>
        name === 'email'
          ? { sql: 'c.email', type: 'string' }
          : name === 'n'
            ? { sql: 'c.n', type: 'number' }
            : undefined,
      params,
    )
    expect(sql).toBe(
      '(lower(c.email) = {p0:String} AND c.n BETWEEN {p1:Float64} AND {p2:Float64}) OR (lower(c.email) NOT IN {p3:Array(String)})',
    )
    expect(params.values).toEqual({ p0: "x'; drop table t; --", p1: 1, p2: 5, p3: ['a', 'b'] })
    expect(() =>
      compileFilterGroups(
        [{ filters: [{ propertyName: 'n', operator: 'GT', value: 'many' }] }],
        () => ({ sql: 'n', type: 'number' }),
        new Params(),
      ),
    ).toThrow(/takes numbers/)
  })
})

describe('toCsv', () => {
  it('quotes per RFC 4180 and defuses formulas, but keeps phone numbers', () => {
    expect(
      toCsv(
        ['a', 'b'],
        [
          ['x,y', 'say "hi"'],
          ['=SUM(A1)', '+34600000000'],
          ['-1+1', 'line\nbreak'],
        ],
      ),
    ).toBe('a,b\r\n"x,y","say ""hi"""\r\n\'=SUM(A1),+34600000000\r\n\'-1+1,"line\nbreak"\r\n')
  })
})

describe('createId', () => {
  it('makes UUIDv7s that sort in creation order, even within one millisecond', () => {
    const ids = Array.from({ length: 1000 }, () => createId(1_790_000_000_000))
    expect([...ids].sort()).toEqual(ids)
    expect(new Set(ids).size).toBe(1000)
    expect(ids[0]).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/)
  })
})

describe('createTenantWriter', () => {
  it('runs one tenant’s work one at a time, other tenants alongside, and survives failures', async () => {
    const writer = createTenantWriter()
    const log: string[] = []
    const work =
      (name: string, ms: number, fail = false) =>
      async () => {
        log.push(`start ${name}`)
        await new Promise((resolve) => setTimeout(resolve, ms))
        log.push(`end ${name}`)
        if (fail) throw new Error(name)
        return name
      }
    const results = await Promise.allSettled([
      writer.run('a', work('a1', 20, true)),
      writer.run('a', work('a2', 1)),
      writer.run('b', work('b1', 5)),
    ])
    expect(results.map((result) => result.status)).toEqual(['rejected', 'fulfilled', 'fulfilled'])
    expect(log).toEqual(['start a1', 'start b1', 'end b1', 'end a1', 'start a2', 'end a2'])
    await writer.whenIdle()
  })
})
