/**
 * Batches event rows into ClickHouse inserts: a batch is inserted when it reaches
 * `maxBatchRows`, when its oldest row has waited `flushIntervalMs`, and on close. ClickHouse
 * wants few large inserts (≥ 1,000 rows, about one per second per table:
 * https://clickhouse.com/docs/optimize/bulk-inserts). Each `write()` resolves once its rows are
 * inserted, so the request that brought them is acknowledged only after they are stored.
 */
import type { ClickHouseClient } from '@clickhouse/client'
import type { FastifyBaseLogger } from 'fastify'
import type { EventRow, EventSink } from '../ingest/event-row.js'

/** Column order of the `events` insert (JSONCompactEachRow: rows as arrays, ~3x faster than JSONEachRow). */
export const EVENT_COLUMNS = [
  'tenant_id',
  'site_id',
  'message_id',
  'type',
  'event',
  'name',
  'anonymous_id',
  'user_id',
  'session_id',
  'timestamp',
  'original_timestamp',
  'sent_at',
  'received_at',
  'url',
  'path',
  'referrer',
  'title',
  'utm_source',
  'utm_medium',
  'utm_campaign',
  'utm_term',
  'utm_content',
  'browser',
  'browser_version',
  'os',
  'os_version',
  'device_type',
  'user_agent',
  'ip',
  'library_name',
  'library_version',
  'locale',
  'score',
  'engagement',
  'bot',
  'properties',
  'traits',
  'context',
  'retention_days',
] as const satisfies readonly (keyof EventRow)[]

// Fails to compile when EventRow gains a field that EVENT_COLUMNS lacks.
const everyColumn: Exclude<keyof EventRow, (typeof EVENT_COLUMNS)[number]> extends never ? true : never = true
void everyColumn

export interface EventWriterOptions {
  client: ClickHouseClient
  log: FastifyBaseLogger
  /** Longest wait of a row before its batch is inserted (ms). */
  flushIntervalMs: number
  /** Insert as soon as this many rows wait. */
  maxBatchRows: number
  table?: string
}

interface Waiter {
  resolve: () => void
  reject: (error: unknown) => void
}

/** {@link EventSink} that inserts into ClickHouse in batches. */
export class EventWriter implements EventSink {
  readonly #options: EventWriterOptions
  #rows: unknown[][] = []
  #waiters: Waiter[] = []
  #timer: NodeJS.Timeout | undefined
  /** The insert in flight; inserts run one after another. */
  #inserting: Promise<void> = Promise.resolve()

  constructor(options: EventWriterOptions) {
    this.#options = options
  }

  write(rows: EventRow[]): Promise<void> {
    for (const row of rows) this.#rows.push(EVENT_COLUMNS.map((column) => row[column]))
    const stored = new Promise<void>((resolve, reject) => this.#waiters.push({ resolve, reject }))
    if (this.#rows.length >= this.#options.maxBatchRows) this.#flush()
    else this.#timer ??= setTimeout(() => this.#flush(), this.#options.flushIntervalMs)
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
    this.#inserting = this.#inserting.then(async () => {
      const started = performance.now()
      try {
        await this.#options.client.insert({
          table: this.#options.table ?? 'events',
          columns: [...EVENT_COLUMNS],
          values: rows,
          format: 'JSONCompactEachRow',
        })
        this.#options.log.debug(
          { rows: rows.length, ms: Math.round(performance.now() - started) },
          'inserted events',
        )
        for (const waiter of waiters) waiter.resolve()
      } catch (error) {
        this.#options.log.error({ err: error, rows: rows.length }, 'insert into events failed')
        for (const waiter of waiters) waiter.reject(error)
      }
    })
    return this.#inserting
  }

  async close(): Promise<void> {
    await this.#flush()
  }
}
