import { mkdtempSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { ClickHouseClient } from '@clickhouse/client'
import { describe, expect, it } from 'vitest'
import { createStore } from '../../src/store/create-store-client.js'
import { migrations } from '../../src/store/migrations/index.js'
import { runMigrations } from '../../src/store/run-migrations.js'

describe('createStore', () => {
  it('talks to a ClickHouse server when given a URL, and never shows its password', async () => {
    const store = createStore({
      url: 'http://clickhouse.invalid:8123',
      username: 'rastro',
      password: 'secret-password',
      dataDir: mkdtempSync(join(tmpdir(), 'rastro-store-')),
    })
    expect(store.embedded).toBe(false)
    expect(store.location).toBe('http://clickhouse.invalid:8123/')
    await store.client.close()
  })
})

describe('runMigrations on a cluster', () => {
  it('runs the cluster DDL and records each migration with a synchronous distributed insert', async () => {
    const commands: string[] = []
    const inserts: unknown[] = []
    const client = {
      command: async ({ query }: { query: string }) => void commands.push(query),
      query: async () => ({ json: async () => [] }),
      insert: async (params: unknown) => void inserts.push(params),
    } as unknown as ClickHouseClient
    const versions = migrations.map((migration) => migration.version)
    expect(await runMigrations(client, undefined, { cluster: 'rastro' })).toEqual(versions)
    expect(commands.every((query) => query.includes('ON CLUSTER `rastro`'))).toBe(true)
    expect(inserts).toEqual(
      versions.map(() =>
        expect.objectContaining({
          table: 'rastro_migrations',
          clickhouse_settings: { insert_distributed_sync: 1 },
        }),
      ),
    )
  })
})
