/**
 * Reads and writes of versioned records (companies, deals, pipelines, notes, segments, webhooks):
 * a write inserts the whole row again with `version + 1`; `ReplacingMergeTree(version,
 * is_deleted)` read with `FINAL` shows the newest and hides deleted ones. Callers run writes in
 * the tenant's single writer, so read-check-write with `If-Match` is safe.
 */
import { createCrmError } from '../errors.js'
import { toClickHouseTime, toNumber } from './clickhouse-time.js'
import type { TenantDb } from './tenant-db.js'

/** Tables written through this module. */
export type EntityTable =
  'crm_companies' | 'crm_deals' | 'crm_pipelines' | 'crm_notes' | 'crm_segments' | 'crm_webhooks'

export interface EntityRow {
  id: string
  version: number
  is_deleted: number
  [column: string]: unknown
}

/** The live row `id` of `table`, or undefined. */
export async function findEntity<T extends EntityRow>(
  db: TenantDb,
  table: EntityTable,
  id: string,
): Promise<T | undefined> {
  const [row] = await db.rows<T>(
    `SELECT * EXCEPT tenant_id FROM ${table} FINAL WHERE tenant_id = {tenant:String} AND id = {id:String}`,
    { id },
  )
  if (row) row.version = toNumber(row.version)
  return row
}

/** @throws CrmError 404 naming the object when `id` is not a live row of the tenant. */
export async function getEntity<T extends EntityRow>(
  db: TenantDb,
  table: EntityTable,
  id: string,
  object: string,
  field?: string,
): Promise<T> {
  const row = await findEntity<T>(db, table, id)
  if (!row) {
    throw field
      ? createCrmError('RASTRO_ERR_CRM_INVALID_INPUT', { message: `${field}: no ${object} ${id}`, field })
      : createCrmError('RASTRO_ERR_CRM_NOT_FOUND', { message: `no ${object} ${id}` })
  }
  return row
}

/** @throws CrmError 412 when `expected` is set and differs from the row's version. */
export function checkVersion(row: EntityRow, expected: number | undefined, object: string): void {
  if (expected !== undefined && expected !== row.version) {
    throw createCrmError('RASTRO_ERR_CRM_VERSION_CONFLICT', {
      message: `${object} ${row.id} is at version ${row.version}, not ${expected}`,
      field: 'If-Match',
    })
  }
}

/** Writes `row` as the next version (1 for a new row); returns the row written. */
export async function putEntity<T extends EntityRow>(
  db: TenantDb,
  table: EntityTable,
  row: T,
  now: number,
): Promise<T> {
  const written = { ...row, version: row.version + 1 }
  if ('updated_at' in row) (written as EntityRow).updated_at = toClickHouseTime(now)
  await db.insert(table, [written])
  return written
}
