import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { ClickHouseClient, ClickHouseSettings } from '@clickhouse/client'
import Fastify from 'fastify'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createStore } from '../../src/store/create-store-client.js'
import { DeviceSeqStore } from '../../src/store/device-seq-store.js'
import { createDeviceTables } from '../../src/store/migrations/0040-create-device-tables.js'

let dir: string
let client: ClickHouseClient
/** Every insert the client made: its table and settings (the client still inserts). */
const inserts: { table: string; settings: ClickHouseSettings | undefined }[] = []

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'rastro-device-seq-'))
  client = createStore({ dataDir: dir }).client
  for (const query of createDeviceTables.statements({})) await client.command({ query })
  const insert = client.insert.bind(client)
  client.insert = ((params: Parameters<ClickHouseClient['insert']>[0]) => {
    inserts.push({ table: params.table, settings: params.clickhouse_settings })
    return insert(params)
  }) as ClickHouseClient['insert']
})
afterAll(async () => {
  await client.close()
  rmSync(dir, { recursive: true, force: true })
})

describe('DeviceSeqStore', () => {
  it('inserts with the settings it is given (a cluster: synchronous), then reads the ranges back', async () => {
    const store = new DeviceSeqStore({
      client,
      log: Fastify({ logger: false }).log,
      flushIntervalMs: 10,
      insertSettings: { insert_distributed_sync: 1 },
    })
    const boot = { tenantId: 't', deviceId: '00000000a0a0', bootId: 7 }
    const meta = { receivedAt: Date.now(), retentionDays: 30 }
    await Promise.all([
      store.record(boot, { seqFirst: 0, seqLast: 9 }, meta),
      store.record(boot, { seqFirst: 10, seqLast: 19 }, meta),
    ])
    expect(inserts).toEqual([{ table: 'device_seq', settings: { insert_distributed_sync: 1 } }])
    expect(await store.getRanges(boot, 0)).toEqual([
      { seqFirst: 0, seqLast: 9 },
      { seqFirst: 10, seqLast: 19 },
    ])
    await store.close()
  })
})
