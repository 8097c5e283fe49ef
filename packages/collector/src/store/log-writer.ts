/**
 * The ClickHouse writer: a log consumer that inserts the `events` rows of the write-ahead log in
 * batches (at `maxBatchRows` rows or when the oldest waiting row is `flushIntervalMs` old:
 * ClickHouse wants ≥ 1,000 rows per insert and about one insert per second,
 * https://clickhouse.com/docs/optimize/bulk-inserts), and moves its cursor only after an insert
 * succeeded.
 *
 * Exactly once: each insert covers one contiguous log range and carries
 * `insert_deduplication_token = <log id>:<from>-<to>`; the range is persisted in the cursor
 * before the insert (its `intent`), so after a crash the same range is inserted again with the
 * same token and ClickHouse drops the copy
 * (https://clickhouse.com/docs/guides/developer/deduplicating-inserts-on-retries).
 * An insert never spans more than `maxPartitionsPerInsert` months, the `events` partitions
 * (ClickHouse refuses more than `max_partitions_per_insert_block` = 100).
 * When ClickHouse fails, the insert is retried with exponential backoff while the log absorbs the
 * backlog. A record ClickHouse cannot parse is set aside in `<log dir>/rejected-records.jsonl`
 * (found by splitting the batch), so one bad record never stops the others.
 */
import { appendFileSync } from 'node:fs'
import { join } from 'node:path'
import { Readable } from 'node:stream'
import type { ClickHouseClient, ClickHouseSettings } from '@clickhouse/client'
import { countRecordRows, EVENT_COLUMNS, getRecordMonth } from '../ingest/encode-event-rows.js'
import type { LogRecord } from '../log/frame-records.js'
import type { LogCursor } from '../log/log-cursor.js'
import type { LogLogger, SegmentLog } from '../log/segment-log.js'
import { WakeablePause } from '../log/wakeable-pause.js'

/** What the writer reports, for metrics. */
export interface LogWriterEvents {
  onInsert?(rows: number, seconds: number): void
  onError?(type: string): void
  onRejectedRecord?(): void
}

export interface LogWriterOptions {
  client: ClickHouseClient
  log: SegmentLog
  logger: LogLogger
  /** Longest wait of a row before its batch is inserted (ms). */
  flushIntervalMs: number
  /** Insert as soon as this many rows wait (rows). */
  maxBatchRows: number
  /** Most months (partitions) in one insert; ClickHouse's `max_partitions_per_insert_block` is 100. */
  maxPartitionsPerInsert?: number
  /** Settings added to every insert (e.g. thread limits for the embedded engine). */
  insertSettings?: ClickHouseSettings
  table?: string
  /** Name of the writer's log cursor. */
  consumer?: string
  /** First and longest wait between retries of a failed insert (ms). */
  retryMinMs?: number
  retryMaxMs?: number
  events?: LogWriterEvents
}

/** The log consumer name of the ClickHouse writer. */
export const CLICKHOUSE_CONSUMER = 'clickhouse'

const NEWLINE = 0x0a

/** ClickHouse errors about the data itself: retrying the same rows cannot succeed. */
const DATA_ERROR =
  /^(CANNOT_PARSE|CANNOT_READ|INCORRECT_DATA|TYPE_MISMATCH|TOO_LARGE_STRING|ARGUMENT_OUT_OF_BOUND|CANNOT_CONVERT)/

/** Whether `error` is ClickHouse's about the data itself ({@link DATA_ERROR}). */
function isDataError(error: unknown): boolean {
  const type = (error as { type?: unknown } | undefined)?.type
  return typeof type === 'string' && DATA_ERROR.test(type)
}

/** How long the loop waits between looks at the log once it holds rows (ms). */
const POLL_MS = 50
/**
 * Bytes the writer reads from the log at a time (bytes): each read's records are checked (CRC) on
 * the event loop, so a batch is read in several reads rather than one of 16 MB.
 */
const READ_BYTES = 4 * 1024 * 1024

interface Buffered {
  record: LogRecord
  rows: number
  month: string
}

export class LogWriter {
  readonly #options: Required<Omit<LogWriterOptions, 'events' | 'insertSettings'>> &
    Pick<LogWriterOptions, 'events' | 'insertSettings'>
  readonly #cursor: LogCursor
  #buffer: Buffered[] = []
  #bufferedRows = 0
  /** When the oldest buffered record was read (epoch ms). */
  #oldestAt = 0
  #readPosition: number
  #stopping = false
  #running: Promise<void> | undefined
  #lastError: string | undefined
  #failingSince: number | undefined
  /** Resolves the current pause early (on close). */
  readonly #pause = new WakeablePause()

  constructor(options: LogWriterOptions) {
    this.#options = {
      maxPartitionsPerInsert: 100,
      table: 'events',
      consumer: CLICKHOUSE_CONSUMER,
      retryMinMs: 100,
      retryMaxMs: 30_000,
      ...options,
    }
    this.#cursor = options.log.openCursor(this.#options.consumer)
    this.#readPosition = this.#cursor.position
  }

  /** The writer's cursor: every record before it is in ClickHouse. */
  get position(): number {
    return this.#cursor.position
  }

  /** Whether the last insert failed, and why (for `/health/ready`). */
  get status(): { ok: boolean; error?: string; failingSinceMs?: number } {
    if (this.#lastError === undefined) return { ok: true }
    return { ok: false, error: this.#lastError, failingSinceMs: this.#failingSince }
  }

  /** Starts consuming the log (finishing first an insert a crash interrupted). */
  start(): void {
    this.#running ??= this.#runUntilStopped()
  }

  /** Runs the loop; after an unexpected error (a bug, a file gone), starts again from the cursor. */
  async #runUntilStopped(): Promise<void> {
    while (!this.#stopping) {
      try {
        await this.#run()
      } catch (error) {
        this.#options.logger.error({ err: error }, 'writer: unexpected error; starting again from the cursor')
        this.#buffer = []
        this.#bufferedRows = 0
        this.#readPosition = this.#cursor.position
        await this.#pause.sleep(1000)
      }
    }
  }

  async #run(): Promise<void> {
    const intent = this.#cursor.intent
    if (intent) {
      this.#options.logger.info(intent, 'writer: inserting again the range a stop interrupted')
      const records = await this.#readRange(intent.from, intent.to)
      if (!(await this.#insertWithRetry(records, intent.from, intent.to))) return
      await this.#cursor.commit({ position: intent.to })
      this.#readPosition = intent.to
    }
    while (!this.#stopping) {
      await this.#fill()
      const due =
        this.#bufferedRows >= this.#options.maxBatchRows ||
        (this.#buffer.length > 0 && Date.now() - this.#oldestAt >= this.#options.flushIntervalMs)
      if (due) {
        if (!(await this.#insertBuffered())) return
      } else if (this.#buffer.length > 0) {
        await this.#pause.sleep(POLL_MS)
      } else {
        await Promise.race([this.#options.log.waitForData(this.#readPosition, 1000), this.#pause.sleep(1000)])
      }
    }
  }

  /** Reads what the log has beyond what is buffered, up to about `maxBatchRows` rows. */
  async #fill(): Promise<void> {
    while (
      this.#bufferedRows < this.#options.maxBatchRows &&
      this.#options.log.readableEnd > this.#readPosition
    ) {
      const { records, next } = await this.#cursor.read(this.#readPosition, READ_BYTES)
      if (records.length > 0 && this.#buffer.length === 0) this.#oldestAt = Date.now()
      for (const record of records) {
        const rows = countRecordRows(record.payload)
        this.#buffer.push({ record, rows, month: getRecordMonth(record.payload) })
        this.#bufferedRows += rows
      }
      if (next === this.#readPosition) return
      this.#readPosition = next
    }
  }

  /**
   * Inserts buffered records in batches of at most `maxBatchRows` rows and the partition limit;
   * stops at a batch smaller than `maxBatchRows` unless `all`.
   */
  async #insertBuffered(all = false): Promise<boolean> {
    while (this.#buffer.length > 0) {
      const months = new Set<string>()
      let rows = 0
      let count = 0
      for (const item of this.#buffer) {
        if (count > 0 && rows + item.rows > this.#options.maxBatchRows) break
        if (!months.has(item.month) && months.size >= this.#options.maxPartitionsPerInsert) break
        months.add(item.month)
        rows += item.rows
        count++
      }
      const batch = this.#buffer.slice(0, count)
      const from = this.#cursor.position
      const to = batch[batch.length - 1]!.record.end
      await this.#cursor.commit({ position: from, intent: { from, to } })
      if (
        !(await this.#insertWithRetry(
          batch.map((item) => item.record),
          from,
          to,
        ))
      )
        return false
      await this.#cursor.commit({ position: to })
      this.#buffer = this.#buffer.slice(count)
      this.#bufferedRows -= rows
      if (!all && this.#bufferedRows < this.#options.maxBatchRows) break
    }
    if (this.#buffer.length > 0) this.#oldestAt = Date.now()
    return true
  }

  async #readRange(from: number, to: number): Promise<LogRecord[]> {
    const records: LogRecord[] = []
    let position = from
    while (position < to) {
      const read = await this.#cursor.read(position, to - position)
      const within = read.records.filter((record) => record.end <= to)
      records.push(...within)
      if (read.next <= position || within.length === 0) break
      position = within[within.length - 1]!.end
    }
    return records
  }

  /**
   * Inserts until it succeeds, backing off; returns false when stopping made it give up (the
   * range stays in the cursor's intent and is inserted on the next start).
   */
  async #insertWithRetry(records: LogRecord[], from: number, to: number): Promise<boolean> {
    let waitMs = this.#options.retryMinMs
    for (;;) {
      try {
        await this.#insertSplittingBadData(records, from, to)
        this.#lastError = undefined
        this.#failingSince = undefined
        return true
      } catch (error) {
        const type = (error as { type?: string }).type ?? (error as { code?: string }).code ?? 'UNAVAILABLE'
        this.#options.events?.onError?.(String(type))
        this.#lastError = (error as Error).message
        this.#failingSince ??= Date.now()
        this.#options.logger.error(
          { err: error, from, to, retryInMs: waitMs },
          'insert into ClickHouse failed',
        )
        if (this.#stopping) return false
        await this.#pause.sleep(waitMs)
        if (this.#stopping) return false
        waitMs = Math.min(waitMs * 2, this.#options.retryMaxMs)
      }
    }
  }

  async #insertSplittingBadData(records: LogRecord[], from: number, to: number): Promise<void> {
    try {
      await this.#insert(records, `${this.#options.log.id}:${from}-${to}`)
    } catch (error) {
      if (!isDataError(error)) throw error
      if (records.length === 1) {
        await this.#insertSplittingLines(records[0]!, 0, records[0]!.payload.length, error as Error)
        return
      }
      // Split at a record boundary; each half keeps a stable token of its own range.
      const half = records.length >> 1
      const middle = records[half]!.position
      await this.#insertSplittingBadData(records.slice(0, half), from, middle)
      await this.#insertSplittingBadData(records.slice(half), middle, to)
    }
  }

  /**
   * Inserts the lines of `record` between byte offsets `start` and `end` of its payload (a record
   * holds a request's rows, up to 2,500), halving at line boundaries down to the lines ClickHouse
   * cannot parse, which alone are set aside: the good events beside a bad one are stored. Each
   * part's token is its record's range and its offsets, so a part inserted before a stop is
   * stored once.
   */
  async #insertSplittingLines(record: LogRecord, start: number, end: number, error: Error): Promise<void> {
    const payload = record.payload
    // The start of the line that holds the middle byte, or of the next one: never `start`.
    const lineStart = payload.lastIndexOf(NEWLINE, (start + end) >> 1) + 1
    const middle = lineStart > start ? lineStart : payload.indexOf(NEWLINE, start) + 1
    if (middle <= start || middle >= end) {
      this.#rejectLines(record, start, end, error)
      return
    }
    for (const [from, to] of [
      [start, middle],
      [middle, end],
    ] as const) {
      try {
        await this.#insert(
          [{ ...record, payload: payload.subarray(from, to) }],
          `${this.#options.log.id}:${record.position}-${record.end}/${from}-${to}`,
        )
      } catch (partError) {
        if (!isDataError(partError)) throw partError
        await this.#insertSplittingLines(record, from, to, partError as Error)
      }
    }
  }

  /** Sets aside the lines of `record` between payload offsets `start` and `end`. */
  #rejectLines(record: LogRecord, start: number, end: number, error: Error): void {
    this.#options.events?.onRejectedRecord?.()
    this.#options.logger.error(
      { err: error, position: record.position, offset: start },
      'ClickHouse cannot parse a log record; set aside in rejected-records.jsonl',
    )
    const line = JSON.stringify({
      position: record.position,
      offset: start,
      error: error.message,
      payload: record.payload.toString('utf8', start, end),
    })
    appendFileSync(join(this.#options.log.dir, 'rejected-records.jsonl'), `${line}\n`)
  }

  async #insert(records: LogRecord[], token: string): Promise<void> {
    const started = performance.now()
    const result = await this.#options.client.exec({
      query: `INSERT INTO ${this.#options.table} (${EVENT_COLUMNS.join(', ')}) FORMAT JSONCompactEachRow`,
      // The payloads as they are: joining a 10 MB batch into one buffer held the event loop.
      values: Readable.from(records.map((record) => record.payload)),
      clickhouse_settings: {
        insert_deduplication_token: token,
        // JSON.stringify writes a lone UTF-16 surrogate as "\ud800"; ClickHouse refuses that
        // escape by default, which would make one odd string block every insert.
        input_format_json_throw_on_bad_escape_sequence: 0,
        // properties, traits and context arrive as JSON objects, stored as their text.
        input_format_json_read_objects_as_strings: 1,
        // A record written before a column was added lacks it: the column takes its default.
        input_format_json_compact_allow_variable_number_of_columns: 1,
        // No ReplacingMergeTree pass over each inserted block: ingest's dedup index already keeps
        // an id once, and merges and FINAL still collapse copies. It cost ~19% of a 10k-row
        // insert's time (149 against 121-123 ms, 12 alternating inserts each, twice).
        optimize_on_insert: 0,
        ...this.#options.insertSettings,
      },
    })
    result.stream.resume()
    await new Promise<void>((resolve, reject) => {
      result.stream.on('end', resolve).on('error', reject)
    })
    const seconds = (performance.now() - started) / 1000
    let rows = 0
    for (const record of records) rows += countRecordRows(record.payload)
    this.#options.events?.onInsert?.(rows, seconds)
  }

  /**
   * Stops: inserts what the log holds now, each batch tried once, for at most `drainMs`; what is
   * left stays in the log (it is durable there) and is inserted on the next start. A bounded
   * drain keeps a stop within the grace period of a process manager (Docker's is 10 s).
   */
  async close(drainMs = 5000): Promise<void> {
    const deadline = Date.now() + drainMs
    this.#stopping = true
    this.#pause.wake()
    await this.#running
    while (
      (this.#readPosition < this.#options.log.readableEnd || this.#buffer.length > 0) &&
      Date.now() < deadline
    ) {
      await this.#fill()
      if (!(await this.#insertBuffered(true))) return
    }
  }
}
