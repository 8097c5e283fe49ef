/**
 * The one query layer: every statement the CRM runs goes through a {@link TenantDb} bound to the
 * tenant of the authenticated key (never to a tenant named in the request). It passes that tenant
 * as the `{tenant:String}` query parameter, refuses SQL that does not use it, and stamps it on
 * every inserted row, so a query cannot reach another tenant's rows by mistake (the HogQL guard,
 * shared/specs/crm-anchors.md B4.7). Values always travel as query parameters, never in the SQL.
 */
import type { ClickHouseClient, ClickHouseSettings } from '@clickhouse/client'
import { createCrmError } from '../errors.js'

const TENANT_PARAM = '{tenant:String}'

/** Maps a ClickHouse failure: a refused statement is our bug (500); anything else is unavailability (503). */
function toStoreError(error: unknown): Error {
  if (typeof (error as { type?: unknown }).type === 'string') {
    return createCrmError('RASTRO_ERR_INTERNAL', { message: 'a CRM query failed', cause: error })
  }
  return createCrmError('RASTRO_ERR_STORE_UNAVAILABLE', { retryAfterSeconds: 5, cause: error })
}

function assertTenantBound(query: string): void {
  if (!query.includes(TENANT_PARAM)) {
    throw new Error(`CRM query does not bind the tenant (${TENANT_PARAM}): ${query.slice(0, 120)}`)
  }
}

/** ClickHouse access bound to one tenant. */
export class TenantDb {
  readonly tenantId: string
  readonly #client: ClickHouseClient
  readonly #insertSettings: ClickHouseSettings | undefined

  /**
   * @param insertSettings added to every insert: `insert_distributed_sync = 1` on a cluster, where
   *   the single writer reads back what it has just written (see `CrmOptions.insertSettings`).
   */
  constructor(client: ClickHouseClient, tenantId: string, insertSettings?: ClickHouseSettings) {
    this.#client = client
    this.tenantId = tenantId
    this.#insertSettings = insertSettings
  }

  /**
   * Rows of a SELECT as objects (`JSONEachRow`).
   *
   * @throws Error when the SQL does not use `{tenant:String}`; CrmError 500/503 from ClickHouse.
   */
  async rows<T>(query: string, params: Record<string, unknown> = {}): Promise<T[]> {
    assertTenantBound(query)
    try {
      const result = await this.#client.query({
        query,
        query_params: { ...params, tenant: this.tenantId },
        format: 'JSONEachRow',
      })
      return await result.json<T>()
    } catch (error) {
      throw toStoreError(error)
    }
  }

  /** Streams the rows of a SELECT, `onRow` called in order (for scans too large to hold). */
  async eachRow<T>(query: string, params: Record<string, unknown>, onRow: (row: T) => void): Promise<void> {
    assertTenantBound(query)
    try {
      const result = await this.#client.query({
        query,
        query_params: { ...params, tenant: this.tenantId },
        format: 'JSONEachRow',
      })
      for await (const batch of result.stream<T>()) {
        for (const row of batch) onRow(row.json<T>())
      }
    } catch (error) {
      throw toStoreError(error)
    }
  }

  /** Inserts rows, each stamped with this tenant (`tenant_id`). No-op for no rows. */
  async insert(table: string, rows: Record<string, unknown>[]): Promise<void> {
    if (rows.length === 0) return
    try {
      await this.#client.insert({
        table,
        values: rows.map((row) => ({ ...row, tenant_id: this.tenantId })),
        format: 'JSONEachRow',
        ...(this.#insertSettings ? { clickhouse_settings: this.#insertSettings } : {}),
      })
    } catch (error) {
      throw toStoreError(error)
    }
  }

  /** Runs a statement that returns nothing (`ALTER TABLE … DELETE WHERE tenant_id = {tenant:String} …`). */
  async command(query: string, params: Record<string, unknown> = {}): Promise<void> {
    assertTenantBound(query)
    try {
      await this.#client.command({ query, query_params: { ...params, tenant: this.tenantId } })
    } catch (error) {
      throw toStoreError(error)
    }
  }
}
