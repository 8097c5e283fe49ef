/**
 * Applies versioned migrations at start. Each statement is idempotent (`IF NOT EXISTS`), so a
 * crash between a statement and its record in `rastro_migrations` is safe to repeat.
 */
import type { ClickHouseClient } from '@clickhouse/client'
import { migrations as allMigrations } from './migrations/index.js'

/** One versioned schema change. */
export interface Migration {
  /** Strictly increasing, starting at 1. */
  version: number
  name: string
  /** DDL statements, each idempotent, run in order. */
  statements: string[]
}

/**
 * Runs the migrations not yet recorded in `rastro_migrations`.
 *
 * @returns the versions applied by this call (empty when the schema was current).
 * @throws the ClickHouse error of the first failing statement; later migrations are not run.
 */
export async function runMigrations(
  client: ClickHouseClient,
  migrations: Migration[] = allMigrations,
): Promise<number[]> {
  await client.command({
    query: `CREATE TABLE IF NOT EXISTS rastro_migrations (
      version UInt32, name String, applied_at DateTime64(3, 'UTC') DEFAULT now64(3)
    ) ENGINE = ReplacingMergeTree ORDER BY version`,
  })
  const result = await client.query({
    query: 'SELECT version FROM rastro_migrations FINAL',
    format: 'JSONEachRow',
  })
  const done = new Set((await result.json<{ version: number }>()).map((row) => Number(row.version)))
  const applied: number[] = []
  for (const migration of migrations) {
    if (done.has(migration.version)) continue
    for (const statement of migration.statements) await client.command({ query: statement })
    await client.insert({
      table: 'rastro_migrations',
      values: [{ version: migration.version, name: migration.name }],
      format: 'JSONEachRow',
    })
    applied.push(migration.version)
  }
  return applied
}
