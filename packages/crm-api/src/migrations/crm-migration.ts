/**
 * One versioned schema change of the CRM, in the collector's migration shape (`version`, `name`,
 * idempotent `statements`), applied by the collector's runner with the rest and recorded in
 * `rastro_migrations`. The CRM owns versions 60-69; a shipped migration is never edited.
 */
export interface CrmMigration {
  version: number
  name: string
  /** DDL statements, each idempotent (`IF NOT EXISTS`), run in order. */
  statements: string[]
}
