import { describe, expect, it } from 'vitest'
import { renderCreateTable } from '../../src/store/render-create-table.js'
import { renderAllMigrations } from '../../src/store/run-migrations.js'

describe('migration DDL', () => {
  it('renders plain tables for one ClickHouse (embedded or server)', async () => {
    await expect(renderAllMigrations({}).join(';\n\n') + ';\n').toMatchFileSnapshot(
      '__snapshots__/single-ddl.sql',
    )
  })

  it('renders replicated local tables ON CLUSTER and Distributed tables over them for a cluster', async () => {
    const statements = renderAllMigrations({ cluster: 'rastro' })
    await expect(statements.join(';\n\n') + ';\n').toMatchFileSnapshot('__snapshots__/cluster-ddl.sql')
    const events = statements.filter((statement) => /TABLE IF NOT EXISTS events(_local)? /.test(statement))
    expect(events[0]).toMatch(
      /^CREATE TABLE IF NOT EXISTS events_local ON CLUSTER `rastro` \([\s\S]*\)\nENGINE = ReplicatedReplacingMergeTree\('\/clickhouse\/tables\/\{shard\}\/\{database\}\/events_local', '\{replica\}'\)/,
    )
    expect(events[0]).not.toContain('non_replicated_deduplication_window')
    expect(events[1]).toBe(
      "CREATE TABLE IF NOT EXISTS events ON CLUSTER `rastro` AS events_local\nENGINE = Distributed(`rastro`, currentDatabase(), events_local, cityHash64(if(anonymous_id = '', user_id, anonymous_id)))",
    )
  })

  it('keeps engine arguments and refuses what it cannot render safely', () => {
    const spec = {
      name: 't',
      columns: '  v UInt64',
      engine: 'ReplacingMergeTree(v)',
      orderBy: 'v',
      shardingKey: 'v',
    }
    expect(renderCreateTable({ cluster: 'c' }, spec)[0]).toContain(
      "ENGINE = ReplicatedReplacingMergeTree('/clickhouse/tables/{shard}/{database}/t_local', '{replica}', v)",
    )
    expect(() => renderCreateTable({ cluster: 'c; DROP' }, spec)).toThrow(/identifier/)
    expect(() => renderCreateTable({ cluster: 'c' }, { ...spec, engine: 'Log' })).toThrow(/MergeTree/)
  })
})
