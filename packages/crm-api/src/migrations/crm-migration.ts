/**
 * One versioned schema change of the CRM, applied by the collector's migration runner with the
 * rest and recorded in `rastro_migrations`. The CRM owns versions 60-69; a shipped migration is
 * never edited. Tables are given as parts, not DDL text, so the collector renders them for where
 * they run: a plain table on one ClickHouse, or replicated local tables and a `Distributed` table
 * on a cluster (sharded by tenant, so every version of a row meets the others for `FINAL`).
 */

/** A CRM table, as the engine-independent parts of its DDL. */
export interface CrmTable {
  name: string
  /** Column (and index) definitions, as between the parentheses of `CREATE TABLE`. */
  columns: string
  /** A `*MergeTree` engine, e.g. `ReplacingMergeTree(version, is_deleted)`. */
  engine: string
  partitionBy?: string
  orderBy: string
  ttl?: string
}

export interface CrmMigration {
  version: number
  name: string
  tables: CrmTable[]
  /**
   * Idempotent statements on the collector's `events` table; `{events}` stands for the table to
   * alter (`events`, or `events_local ON CLUSTER …` on a cluster).
   */
  alterEvents?: string[]
}
