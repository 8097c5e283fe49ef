/**
 * Renders a table's DDL for where it runs, so one migration serves both: on one ClickHouse
 * (embedded chDB or a server) a plain `*MergeTree` table; on a cluster (`CLICKHOUSE_CLUSTER`) a
 * `Replicated*MergeTree` table `<name>_local` on every node (`ON CLUSTER`, replicas coordinated by
 * Keeper) and a `Distributed` table `<name>` over them that queries and inserts go through
 * (https://clickhouse.com/docs/engines/table-engines/special/distributed).
 */

/** Where the DDL runs. */
export interface DdlTarget {
  /** Cluster name from the server's `remote_servers`; undefined: a single ClickHouse. */
  cluster?: string | undefined
}

/** A table, as the engine-independent parts of its DDL. */
export interface TableSpec {
  name: string
  /** Column definitions, as between the parentheses of `CREATE TABLE`. */
  columns: string
  /** A `*MergeTree` engine, e.g. `ReplacingMergeTree` or `ReplacingMergeTree(version)`. */
  engine: string
  partitionBy?: string
  orderBy: string
  ttl?: string
  /** MergeTree settings; `non_replicated_*` ones are left out on a cluster. */
  settings?: Record<string, string | number>
  /** Cluster only: the Distributed table's sharding expression (rows with equal values share a shard). */
  shardingKey: string
}

const IDENTIFIER = /^[A-Za-z_][A-Za-z0-9_-]*$/

function quote(identifier: string): string {
  if (!IDENTIFIER.test(identifier)) throw new Error(`invalid ClickHouse identifier: ${identifier}`)
  return `\`${identifier}\``
}

function renderTail(spec: TableSpec, replicated: boolean): string {
  const settings = Object.entries(spec.settings ?? {}).filter(
    ([name]) => !(replicated && name.startsWith('non_replicated_')),
  )
  return [
    spec.partitionBy ? `PARTITION BY ${spec.partitionBy}` : undefined,
    `ORDER BY ${spec.orderBy}`,
    spec.ttl ? `TTL ${spec.ttl}` : undefined,
    settings.length > 0
      ? `SETTINGS ${settings.map(([name, value]) => `${name} = ${value}`).join(', ')}`
      : undefined,
  ]
    .filter((line) => line !== undefined)
    .join('\n')
}

/** The `CREATE TABLE IF NOT EXISTS` statements of `spec` for `target` (one, or two on a cluster). */
export function renderCreateTable(target: DdlTarget, spec: TableSpec): string[] {
  if (!target.cluster) {
    return [
      `CREATE TABLE IF NOT EXISTS ${spec.name} (\n${spec.columns}\n)\nENGINE = ${spec.engine}\n${renderTail(spec, false)}`,
    ]
  }
  const cluster = quote(target.cluster)
  const local = `${spec.name}_local`
  const [, engineName, engineArgs] = /^(\w+)(?:\((.*)\))?$/s.exec(spec.engine) ?? []
  if (!engineName?.endsWith('MergeTree')) throw new Error(`not a MergeTree engine: ${spec.engine}`)
  const args = [
    `'/clickhouse/tables/{shard}/{database}/${local}'`,
    `'{replica}'`,
    ...(engineArgs ? [engineArgs] : []),
  ]
  return [
    `CREATE TABLE IF NOT EXISTS ${local} ON CLUSTER ${cluster} (\n${spec.columns}\n)\nENGINE = Replicated${engineName}(${args.join(', ')})\n${renderTail(spec, true)}`,
    `CREATE TABLE IF NOT EXISTS ${spec.name} ON CLUSTER ${cluster} AS ${local}\nENGINE = Distributed(${cluster}, currentDatabase(), ${local}, ${spec.shardingKey})`,
  ]
}

/** A materialized view that copies (transformed) rows of one table into another at insert. */
export interface ViewSpec {
  name: string
  /** The table written to, as named on one ClickHouse (on a cluster: its `_local` table). */
  to: string
  /** `SELECT …` whose source table is written `{source}`; the view fires on inserts into it. */
  select: string
  /** The source table, as named on one ClickHouse (on a cluster: its `_local` table). */
  source: string
}

/**
 * The `CREATE MATERIALIZED VIEW IF NOT EXISTS` statement of `spec` for `target`. On a cluster the
 * view is created on every node between the local tables, so each shard derives its own rows
 * (https://clickhouse.com/docs/materialized-view/incremental-materialized-view).
 */
export function renderCreateView(target: DdlTarget, spec: ViewSpec): string {
  const local = (table: string) => quote(target.cluster ? `${table}_local` : table)
  const onCluster = target.cluster ? ` ON CLUSTER ${quote(target.cluster)}` : ''
  return `CREATE MATERIALIZED VIEW IF NOT EXISTS ${quote(spec.name)}${onCluster} TO ${local(spec.to)}\nAS ${spec.select.replaceAll('{source}', local(spec.source))}`
}
