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

/** Where the tables live (see `CrmOptions`). */
export interface TenantDbOptions {
  /**
   * Added to every insert: `insert_distributed_sync = 1` on a cluster, where the single writer
   * reads back what it has just written.
   */
  insertSettings?: ClickHouseSettings | undefined
  /** Cluster name: mutations go to `<table>_local ON CLUSTER` (a Distributed table takes none). */
  cluster?: string | undefined
  /**
   * Called with the rows of each insert into `crm_changes`, the audit log, once it succeeded: the
   * record changes that webhooks announce (`contact.created`, `deal.stage_changed`…).
   */
  onChanges?: ((db: TenantDb, rows: Record<string, unknown>[]) => void) | undefined
}

/** ClickHouse access bound to one tenant. */
export class TenantDb {
  readonly tenantId: string
  readonly #client: ClickHouseClient
  readonly #options: TenantDbOptions

  constructor(client: ClickHouseClient, tenantId: string, options: TenantDbOptions = {}) {
    this.#client = client
    this.tenantId = tenantId
    this.#options = options
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
        ...(this.#options.insertSettings ? { clickhouse_settings: this.#options.insertSettings } : {}),
      })
    } catch (error) {
      throw toStoreError(error)
    }
    if (table === 'crm_changes') this.#options.onChanges?.(this, rows)
  }

  /**
   * Rewrites the rows of `table` matching `condition` (which must bind the tenant) with a
   * synchronous mutation: `action` is `DELETE` or `UPDATE column = …`, and with `mutations_sync = 2`
   * the rows are rewritten on every replica when it returns. On a cluster it runs on
   * `<table>_local ON CLUSTER`, as ClickHouse mutates replicated tables, not Distributed ones.
   *
   * @throws Error when `condition` does not use `{tenant:String}`; CrmError 500/503 from ClickHouse.
   */
  async mutate(
    table: string,
    action: string,
    condition: string,
    params: Record<string, unknown> = {},
  ): Promise<void> {
    assertTenantBound(condition)
    const { cluster } = this.#options
    const target = cluster ? `${table}_local ON CLUSTER \`${cluster}\`` : table
    try {
      await this.#client.command({
        query: `ALTER TABLE ${target} ${action} WHERE ${condition} SETTINGS mutations_sync = 2`,
        query_params: { ...params, tenant: this.tenantId },
      })
    } catch (error) {
      throw toStoreError(error)
    }
  }
}
