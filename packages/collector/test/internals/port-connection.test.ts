import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { ClickHouseError, createClient } from '@clickhouse/client'
import { afterAll, describe, expect, it } from 'vitest'
import type { ToMain } from '../../src/crm-feed/feed-messages.js'
import { PortConnection } from '../../src/crm-feed/port-connection.js'
import { runDbRequest } from '../../src/crm-feed/run-db-request.js'
import { createStore } from '../../src/store/create-store-client.js'

const dir = mkdtempSync(join(tmpdir(), 'rastro-port-'))
const store = createStore({ dataDir: dir })
afterAll(async () => {
  await store.client.close()
  rmSync(dir, { recursive: true, force: true })
})

/** A client whose calls go through the messages a worker would send, answered on the real engine. */
function createPortClient() {
  const connection: PortConnection = new PortConnection((message: ToMain) => {
    if (message.type !== 'db') throw new Error(`unexpected ${message.type}`)
    // Through structured clone, as between threads.
    void runDbRequest(store.connection!, structuredClone(message)).then((answer) => {
      if (answer.type === 'db') connection.settle(structuredClone(answer))
    })
  })
  return createClient({ connection })
}

describe('PortConnection', () => {
  it("runs a worker's commands, inserts and queries on the main thread's embedded engine", async () => {
    const client = createPortClient()
    await client.command({
      query: 'CREATE TABLE port_test (id String, n UInt32) ENGINE = MergeTree ORDER BY id',
    })
    await client.insert({
      table: 'port_test',
      values: [
        { id: 'a', n: 1 },
        { id: 'b', n: 2 },
      ],
      format: 'JSONEachRow',
    })
    const result = await client.query({
      query: 'SELECT id, n FROM port_test WHERE n >= {min:UInt32} ORDER BY id',
      query_params: { min: 2 },
      format: 'JSONEachRow',
    })
    expect(await result.json()).toEqual([{ id: 'b', n: 2 }])
  })

  it("rejects with ClickHouse's error, its code and type kept", async () => {
    const client = createPortClient()
    const failure = await client
      .query({ query: 'SELECT * FROM no_such_table' })
      .catch((error: unknown) => error)
    expect(failure).toBeInstanceOf(ClickHouseError)
    expect(failure).toMatchObject({ code: '60', type: 'UNKNOWN_TABLE' })
  })
})
