/**
 * Batches rows of one table into ClickHouse inserts, as EventWriter does for `events`: a batch
 * is inserted when it reaches `maxBatchRows`, when its oldest row has waited `flushIntervalMs`,
 * and on close; each `write()` resolves once its rows are inserted (or rejects with the insert's
 * error), so callers acknowledge only stored rows.
 */
import type { ClickHouseClient, ClickHouseSettings } from '@clickhouse/client'
import type { FastifyBaseLogger } from 'fastify'

export interface BatchWriterOptions<Row> {
  client: ClickHouseClient
  log: FastifyBaseLogger
  table: string
  /** Insert column order (JSONCompactEachRow). */
  columns: readonly [keyof Row & string, ...(keyof Row & string)[]]
  /** Longest wait of a row before its batch is inserted (ms). */
  flushIntervalMs: number
  /** Insert as soon as this many rows wait. */
  maxBatchRows: number
  /**
   * Added to every insert. On a cluster `insert_distributed_sync = 1`, so an insert returns once its
   * rows are on their shards and a read right after it (the device ledger's) sees them.
   */
  insertSettings?: ClickHouseSettings | undefined
}

interface Waiter {
  resolve: () => void
  reject: (error: unknown) => void
}

export class BatchWriter<Row> {
  readonly #options: BatchWriterOptions<Row>
  #rows: unknown[][] = []
  #waiters: Waiter[] = []
  #timer: NodeJS.Timeout | undefined
  /** The insert in flight; inserts run one after another. */
  #inserting: Promise<void> = Promise.resolve()
  /** After close(), writes are inserted at once (work still finishing during shutdown). */
  #closed = false

  constructor(options: BatchWriterOptions<Row>) {
    this.#options = options
  }

  write(rows: Row[]): Promise<void> {
    for (const row of rows) this.#rows.push(this.#options.columns.map((column) => row[column]))
    const stored = new Promise<void>((resolve, reject) => this.#waiters.push({ resolve, reject }))
    if (this.#closed || this.#rows.length >= this.#options.maxBatchRows) void this.#flush()
    else this.#timer ??= setTimeout(() => void this.#flush(), this.#options.flushIntervalMs)
    return stored
  }

  /** Inserts what is waiting now, after the insert in flight. */
  #flush(): Promise<void> {
    clearTimeout(this.#timer)
    this.#timer = undefined
    const rows = this.#rows
    const waiters = this.#waiters
    this.#rows = []
    this.#waiters = []
    if (rows.length === 0) return this.#inserting
    const { client, log, table, columns, insertSettings } = this.#options
    this.#inserting = this.#inserting.then(async () => {
      const started = performance.now()
      try {
        await client.insert({
          table,
          columns: [...columns],
          values: rows,
          format: 'JSONCompactEachRow',
          ...(insertSettings ? { clickhouse_settings: insertSettings } : {}),
        })
        log.debug({ table, rows: rows.length, ms: Math.round(performance.now() - started) }, 'inserted rows')
        for (const waiter of waiters) waiter.resolve()
      } catch (error) {
        log.error({ err: error, table, rows: rows.length }, 'insert failed')
        for (const waiter of waiters) waiter.reject(error)
      }
    })
    return this.#inserting
  }

  /** Inserts what is pending; later writes are inserted at once, without batching. */
  async close(): Promise<void> {
    this.#closed = true
    await this.#flush()
  }
}
