/**
 * Per-tenant settings kept as JSON in `crm_settings` (scoring rules, the value model): the newest
 * version of each name wins.
 */
import { toClickHouseTime, toNumber } from './clickhouse-time.js'
import type { TenantDb } from './tenant-db.js'

/** The stored value of setting `name`, or undefined. */
export async function getTenantSetting(db: TenantDb, name: string): Promise<unknown> {
  const [row] = await db.rows<{ value: string }>(
    `SELECT value FROM crm_settings FINAL WHERE tenant_id = {tenant:String} AND name = {name:String}`,
    { name },
  )
  return row ? (JSON.parse(row.value) as unknown) : undefined
}

/** Stores setting `name`. */
export async function putTenantSetting(db: TenantDb, name: string, value: unknown): Promise<void> {
  const [row] = await db.rows<{ version: number | string }>(
    `SELECT max(version) AS version FROM crm_settings WHERE tenant_id = {tenant:String} AND name = {name:String}`,
    { name },
  )
  await db.insert('crm_settings', [
    {
      name,
      version: Math.max(Date.now(), toNumber(row?.version) + 1),
      value: JSON.stringify(value),
      updated_at: toClickHouseTime(Date.now()),
    },
  ])
}
