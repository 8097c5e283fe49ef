/**
 * Applies versioned migrations at start. Each statement is idempotent (`IF NOT EXISTS`), so a
 * crash between a statement and its record in `rastro_migrations` is safe to repeat. A migration
 * renders its DDL for its target (see `render-create-table.ts`), so the same migration creates
 * plain tables on one ClickHouse and replicated + Distributed tables on a cluster.
 */
import type { ClickHouseClient } from '@clickhouse/client'
import { migrations as allMigrations } from './migrations/index.js'
import { renderCreateTable, type DdlTarget } from './render-create-table.js'

/** One versioned schema change. */
export interface Migration {
  /** Strictly increasing, starting at 1. */
  version: number
  name: string
  /** DDL statements for `target`, each idempotent, run in order. */
  statements(target: DdlTarget): string[]
}

/** The DDL of the table that records applied migrations. */
export function renderMigrationsTable(target: DdlTarget): string[] {
  return renderCreateTable(target, {
    name: 'rastro_migrations',
    columns: "  version UInt32,\n  name String,\n  applied_at DateTime64(3, 'UTC') DEFAULT now64(3)",
    engine: 'ReplacingMergeTree',
    orderBy: 'version',
    shardingKey: 'version',
  })
}

/** Every statement the migrations run for `target`, in order (for review and snapshot tests). */
export function renderAllMigrations(target: DdlTarget, migrations: Migration[] = allMigrations): string[] {
  return [
    ...renderMigrationsTable(target),
    ...migrations.flatMap((migration) => migration.statements(target)),
  ]
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
  target: DdlTarget = {},
): Promise<number[]> {
  for (const statement of renderMigrationsTable(target)) await client.command({ query: statement })
  const result = await client.query({
    query: 'SELECT version FROM rastro_migrations FINAL',
    format: 'JSONEachRow',
  })
  const done = new Set((await result.json<{ version: number }>()).map((row) => Number(row.version)))
  const applied: number[] = []
  for (const migration of migrations) {
    if (done.has(migration.version)) continue
    for (const statement of migration.statements(target)) await client.command({ query: statement })
    await client.insert({
      table: 'rastro_migrations',
      values: [{ version: migration.version, name: migration.name }],
      format: 'JSONEachRow',
      // On a cluster: return only once the row is on its shard, so the next collector sees it.
      ...(target.cluster ? { clickhouse_settings: { insert_distributed_sync: 1 } } : {}),
    })
    applied.push(migration.version)
  }
  return applied
}
