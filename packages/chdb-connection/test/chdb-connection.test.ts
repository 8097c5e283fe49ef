import { spawnSync } from 'node:child_process'
import { mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { Readable } from 'node:stream'
import { createClient, type ClickHouseClient } from '@clickhouse/client'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { applySettings, ChdbConnection } from '../src/index.js'

describe('applySettings', () => {
  it('puts settings in a SETTINGS clause before the trailing FORMAT', () => {
    expect(
      applySettings('INSERT INTO t (a) FORMAT JSONCompactEachRow', { insert_deduplication_token: "x'y" }),
    ).toEqual({
      sql: "INSERT INTO t (a) SETTINGS insert_deduplication_token = 'x\\'y' FORMAT JSONCompactEachRow",
      readonly: false,
    })
    expect(applySettings('SELECT 1 \nFORMAT JSONEachRow', { max_threads: 1, wait_end_of_query: 1 }).sql).toBe(
      'SELECT 1 SETTINGS max_threads = 1 \nFORMAT JSONEachRow',
    )
    expect(applySettings('SELECT 1', { readonly: '1' })).toEqual({ sql: 'SELECT 1', readonly: true })
    expect(() => applySettings('SELECT 1', { 'x; DROP': 1 } as never)).toThrow(/setting name/)
  })
})

describe('ChdbConnection through @clickhouse/client', () => {
  let dir: string
  let client: ClickHouseClient

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'rastro-chdb-'))
    client = createClient({ connection: new ChdbConnection({ path: dir }) })
    await client.command({
      query: `CREATE TABLE t (id String, n UInt64) ENGINE = ReplacingMergeTree ORDER BY id
              SETTINGS non_replicated_deduplication_window = 100`,
    })
  })
  afterAll(async () => {
    await client.close()
    rmSync(dir, { recursive: true, force: true })
  })

  const count = async () =>
    (await (await client.query({ query: 'SELECT count() AS n FROM t', format: 'JSONEachRow' })).json())[0]

  it('keeps a read-only query from making the store read-only', async () => {
    await expect(
      client.command({ query: 'DROP TABLE t', clickhouse_settings: { readonly: '1' } }),
    ).rejects.toMatchObject({
      type: 'READONLY',
    })
    await client.insert({ table: 't', values: [{ id: 'a', n: 1 }], format: 'JSONEachRow' })
    expect(await count()).toEqual({ n: '1' })
  })

  it('applies an insert_deduplication_token to that insert only', async () => {
    const insert = (token?: string) =>
      client.insert({
        table: 't',
        values: [['b', 2]],
        format: 'JSONCompactEachRow',
        ...(token ? { clickhouse_settings: { insert_deduplication_token: token } } : {}),
      })
    await insert('token-1')
    await insert('token-1')
    expect(await count()).toEqual({ n: '2' })
    await insert()
    expect(await count()).toEqual({ n: '3' })
  })

  it('binds query parameters and answers 64-bit integers as strings, as a server does', async () => {
    const result = await client.query({
      query: 'SELECT id, n FROM t WHERE id = {id:String} ORDER BY n',
      query_params: { id: "a' OR 1=1 --" },
      format: 'JSONEachRow',
    })
    expect(await result.json()).toEqual([])
    const one = await client.query({
      query: 'SELECT toUInt64(18446744073709551615) AS big',
      format: 'JSONEachRow',
    })
    expect(await one.json()).toEqual([{ big: '18446744073709551615' }])
  })

  it('raises ClickHouse errors with their code and type', async () => {
    await expect(client.query({ query: 'SELECT nope FROM t', format: 'JSONEachRow' })).rejects.toMatchObject({
      type: 'UNKNOWN_IDENTIFIER',
    })
    expect(await client.ping()).toEqual({ success: true })
  })

  it('inserts a large body from a file the engine reads, a small one inline, and deletes the file either way', async () => {
    await client.command({
      query: `CREATE TABLE wide (id String, tags Array(String), note String DEFAULT 'none', n UInt8 DEFAULT 7)
              ENGINE = MergeTree ORDER BY id`,
    })
    const bodies = join(dir, 'insert-bodies')
    // 6,000 rows of ~110 bytes on average (over 512 KiB: through a file), in chunks that split rows; every
    // other row lacks the last two columns.
    const note = 'x'.repeat(180)
    const text = Array.from({ length: 6000 }, (_, i) =>
      i % 2 ? `["r${i}",["a"]]\n` : `["r${i}",["a","b"],"${note}",3]\n`,
    ).join('')
    expect(text.length).toBeGreaterThan(512 * 1024)
    const bytes = Buffer.from(text)
    const chunks = Array.from({ length: Math.ceil(bytes.length / 10_000) }, (_, i) =>
      bytes.subarray(i * 10_000, (i + 1) * 10_000),
    )
    await client.exec({
      query: 'INSERT INTO wide (id, tags, note, n) FORMAT JSONCompactEachRow',
      values: Readable.from(chunks),
      clickhouse_settings: { input_format_json_compact_allow_variable_number_of_columns: 1 },
    })
    await client.insert({ table: 'wide', columns: ['id'], values: [{ id: 'z' }], format: 'JSONEachRow' })
    const rows = await (
      await client.query({
        query: `SELECT count() AS rows, countIf(n = 3 AND note = '${note}' AND length(tags) = 2) AS full,
                  countIf(n = 7 AND note = 'none') AS defaults FROM wide`,
        format: 'JSONEachRow',
      })
    ).json()
    expect(rows).toEqual([{ rows: '6001', full: '3000', defaults: '3001' }])
    await expect(
      client.exec({
        query: 'INSERT INTO wide (id, n) FORMAT JSONCompactEachRow',
        values: Readable.from([bytes.subarray(0, 600_000), Buffer.from('["w","not a number"]\n')]),
      }),
    ).rejects.toMatchObject({ type: expect.stringMatching(/^CANNOT_PARSE/) })
    expect(readdirSync(bodies)).toEqual([])
    // With no directory to write bodies to, a large insert fails and a small one still works.
    rmSync(bodies, { recursive: true })
    writeFileSync(bodies, '')
    await expect(
      client.exec({ query: 'INSERT INTO wide FORMAT JSONCompactEachRow', values: Readable.from(chunks) }),
    ).rejects.toMatchObject({ code: 'ENOTDIR' })
    await client.insert({ table: 'wide', columns: ['id'], values: [['small']], format: 'JSONCompactEachRow' })
    rmSync(bodies)
    mkdirSync(bodies)
  })

  it('refuses a second process on the same directory before touching the first one’s insert bodies', async () => {
    const body = join(dir, 'insert-bodies', 'in-flight.body')
    writeFileSync(body, '["kept"]\n')
    // The package's build (`npm test` makes it first): Node cannot run the TypeScript source.
    const built = new URL('../dist/index.js', import.meta.url).pathname
    const script = `import('${built}').then(({ ChdbConnection }) => new ChdbConnection({ path: process.argv[1] }))`
    const child = spawnSync(process.execPath, ['--input-type=module', '-e', script, dir], {
      encoding: 'utf8',
    })
    expect(child.status).not.toBe(0)
    expect(child.stderr).toMatch(/Cannot lock file|Failed to create connection/)
    expect(readdirSync(join(dir, 'insert-bodies'))).toEqual(['in-flight.body'])
    rmSync(body)
  })
})
