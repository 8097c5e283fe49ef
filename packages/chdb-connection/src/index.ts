/**
 * `@rastro/chdb-connection`: the embedded ClickHouse engine (chDB) behind `@clickhouse/client`, as
 * the collector and the CRM open it.
 */
export {
  ChdbConnection,
  applySettings,
  type ChdbConnectionOptions,
  type Connection,
} from './chdb-connection.js'
