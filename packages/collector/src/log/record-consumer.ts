/**
 * A log consumer that hands the payloads of accepted records to a handler (the CRM feed, which
 * decodes them in its worker thread), in batches, with its own persisted cursor: the cursor moves
 * only after the handler resolved, so a crash replays the batch (the handler must be idempotent;
 * the CRM is). A batch the handler keeps refusing is skipped after `maxAttempts` (or once the
 * consumer is `maxLagBytes` behind), with an error logged, so a failing consumer can never hold
 * the log back until ingest has to refuse events.
 *
 * Batches gather for `batchIntervalMs` while less than `batchBytes` waits: each batch costs a
 * cursor commit (write, fsync, rename) and the handler's queries, and under a stream of
 * single-event requests a consumer that took whatever had arrived spent more CPU on those than
 * on the events (measured: the CRM feed's cursor commits alone took 4% of the event loop).
 */
import type { LogCursor } from './log-cursor.js'
import type { LogLogger, SegmentLog } from './segment-log.js'
import { WakeablePause } from './wakeable-pause.js'

export interface RecordConsumerOptions {
  log: SegmentLog
  /** Cursor name (letters, digits, `-`, `_`). A new consumer starts at the oldest record on disk. */
  name: string
  /**
   * Handles the payloads of a batch of records, in log order. They are the handler's: it may
   * transfer their memory to a worker thread (each attempt reads the batch anew).
   */
  handle(payloads: Buffer[]): Promise<void>
  logger: LogLogger
  /**
   * Bytes read from the log per batch (default 4 MiB): each batch costs the CRM feed three
   * ClickHouse calls, on the engine the writer's inserts use. Batches of 1 MiB held less memory
   * (RSS at the end of a burst 501-508 against 548-627 MB) for four times the calls.
   */
  batchBytes?: number
  /** Attempts at one batch before it is skipped (unless `maxLagBytes` is set). */
  maxAttempts?: number
  /**
   * When set, a failing batch is retried for as long as the consumer is less than this far
   * behind the log's end (bytes), however many attempts that takes, and skipped past it: for a
   * handler that may be out for minutes (another host), without ever holding the log until
   * ingest refuses events.
   */
  maxLagBytes?: number
  /** First wait between attempts (ms); doubles each time. */
  retryMinMs?: number
  /** Longest wait between attempts (ms). */
  retryMaxMs?: number
  /** Shortest time between the starts of two batches smaller than `batchBytes` (ms). */
  batchIntervalMs?: number
}

export class RecordConsumer {
  readonly #options: Required<Omit<RecordConsumerOptions, 'maxLagBytes'>> &
    Pick<RecordConsumerOptions, 'maxLagBytes'>
  readonly #cursor: LogCursor
  #stopping = false
  #running: Promise<void> | undefined
  readonly #pause = new WakeablePause()
  /** When the last batch was read (epoch ms). */
  #lastBatchAt = 0

  constructor(options: RecordConsumerOptions) {
    this.#options = {
      batchBytes: 4 * 1024 * 1024,
      maxAttempts: 5,
      retryMinMs: 500,
      retryMaxMs: 30_000,
      batchIntervalMs: 250,
      ...options,
    }
    this.#cursor = options.log.openCursor(options.name)
  }

  start(): void {
    this.#running ??= this.#run()
  }

  async #run(): Promise<void> {
    const { log, logger, name } = this.#options
    while (!this.#stopping) {
      const position = this.#cursor.position
      if (log.readableEnd <= position) {
        await Promise.race([log.waitForData(position, 1000), this.#pause.sleep(1000)])
        continue
      }
      const gatherMs = this.#lastBatchAt + this.#options.batchIntervalMs - Date.now()
      if (gatherMs > 0 && log.readableEnd - position < this.#options.batchBytes) {
        await this.#pause.sleep(gatherMs)
        continue
      }
      this.#lastBatchAt = Date.now()
      try {
        const { outcome, next, records } = await this.#handle(position)
        if (outcome === 'stopped') return
        if (outcome === 'skipped') {
          logger.error(
            { consumer: name, from: position, to: next, records },
            'log consumer: skipped a batch it kept failing',
          )
        }
        await this.#cursor.commit({ position: next })
      } catch (error) {
        logger.error({ err: error, consumer: name }, 'log consumer: cannot read the log; retrying')
        await this.#pause.sleep(1000)
      }
    }
  }

  /**
   * Reads the batch at `position` and hands it over, again on each attempt.
   * @returns the outcome: `done`, `skipped` after `maxAttempts` failures, or `stopped` (closing:
   * the cursor stays); where the batch ends; and its number of records.
   * @throws Error when the log cannot be read.
   */
  async #handle(
    position: number,
  ): Promise<{ outcome: 'done' | 'skipped' | 'stopped'; next: number; records: number }> {
    let waitMs = this.#options.retryMinMs
    let read = await this.#cursor.read(position, this.#options.batchBytes)
    const result = (outcome: 'done' | 'skipped' | 'stopped') => ({
      outcome,
      next: read.next,
      records: read.records.length,
    })
    if (read.records.length === 0) return result('done')
    const { log, maxAttempts, maxLagBytes, name } = this.#options
    const mayRetry = (attempt: number) =>
      maxLagBytes === undefined ? attempt < maxAttempts : log.getLag(name).bytes < maxLagBytes
    for (let attempt = 1; ; attempt++) {
      if (attempt > 1) read = await this.#cursor.read(position, this.#options.batchBytes)
      try {
        await this.#options.handle(read.records.map((record) => record.payload))
        return result('done')
      } catch (error) {
        this.#options.logger.warn({ err: error, consumer: name, attempt }, 'log consumer: handler failed')
        if (this.#stopping) return result('stopped')
        if (!mayRetry(attempt)) return result('skipped')
        await this.#pause.sleep(waitMs)
        if (this.#stopping) return result('stopped')
        waitMs = Math.min(waitMs * 2, this.#options.retryMaxMs)
      }
    }
  }

  /** Stops after the batch in hand (its cursor then reflects what was handled). */
  async close(): Promise<void> {
    this.#stopping = true
    this.#pause.wake()
    await this.#running
  }
}
