import type { ClickHouseClient } from '@clickhouse/client'
import { describe, expect, it } from 'vitest'
import { TenantDb } from '../../src/db/tenant-db.js'

/** A client that records the statements it is given (no cluster runs in CI: see docs/deploy.md). */
function createRecorder() {
  const commands: { query: string; query_params?: Record<string, unknown> }[] = []
  const client = { command: async (params: (typeof commands)[number]) => void commands.push(params) }
  return { commands, client: client as unknown as ClickHouseClient }
}

describe('TenantDb.mutate', () => {
  it('mutates the table itself on one ClickHouse, and its local tables ON CLUSTER on a cluster', async () => {
    const single = createRecorder()
    await new TenantDb(single.client, 'one').mutate('crm_notes', 'DELETE', 'tenant_id = {tenant:String}')
    const clustered = createRecorder()
    await new TenantDb(clustered.client, 'one', { cluster: 'rastro' }).mutate(
      'crm_deals',
      "UPDATE contact_id = ''",
      'tenant_id = {tenant:String} AND contact_id IN {ids:Array(String)}',
      { ids: ['c-1'] },
    )
    expect(single.commands).toEqual([
      {
        query: 'ALTER TABLE crm_notes DELETE WHERE tenant_id = {tenant:String} SETTINGS mutations_sync = 2',
        query_params: { tenant: 'one' },
      },
    ])
    expect(clustered.commands).toEqual([
      {
        query:
          "ALTER TABLE crm_deals_local ON CLUSTER `rastro` UPDATE contact_id = '' WHERE tenant_id = {tenant:String} AND contact_id IN {ids:Array(String)} SETTINGS mutations_sync = 2",
        query_params: { ids: ['c-1'], tenant: 'one' },
      },
    ])
  })

  it('refuses a condition that does not bind the tenant', async () => {
    const { client, commands } = createRecorder()
    await expect(new TenantDb(client, 'one').mutate('crm_notes', 'DELETE', '1 = 1')).rejects.toThrow(
      /does not bind the tenant/,
    )
    expect(commands).toEqual([])
  })
})
