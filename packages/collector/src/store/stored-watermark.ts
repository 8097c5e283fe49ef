/**
 * A collector's stored-through time, published to the fleet through ClickHouse: every event this
 * collector acknowledged before that time is in ClickHouse and in its destinations' hands. A GDPR
 * erase on any collector of the fleet waits until every other one's time passes the erase's
 * (`wait-for-fleet.ts`), so an event of the person acknowledged anywhere before the erase is
 * inserted and forwarded before the delete, never after it (one collector waits for its own log
 * alone: `app.whenProcessed`).
 *
 * The time comes from the log: every `intervalMs` the position the log's readable records end at
 * (what has been acknowledged, or is about to be) is noted with the time; once the ClickHouse
 * writer's and the destinations' cursors all pass a noted position, its time is stored through. At start, nothing is: the
 * records a previous run left in the log are inserted first. A clean stop whose writer inserted the
 * whole log publishes `stopped`, so a collector taken out of the fleet holds up no erase.
 */
import type { ClickHouseClient, ClickHouseSettings } from '@clickhouse/client'
import type { FastifyBaseLogger } from 'fastify'
import { toClickHouseTime } from '../ingest/to-clickhouse-time.js'

export interface StoredWatermarkOptions {
  client: ClickHouseClient
  /** The log's id (the collector's id in `collector_watermarks`) and where its readable records end. */
  log: { readonly id: string; readonly readableEnd: number }
  /** The lowest of the ClickHouse writer's and the destinations' cursors. */
  processedPosition: () => number
  /** Settings of the inserts (on a cluster: `insert_distributed_sync`, so the others read the row). */
  insertSettings?: ClickHouseSettings | undefined
  logger: Pick<FastifyBaseLogger, 'warn' | 'info'>
  /** Time between two rows (ms; default 2 s): an erase waits about this long for the fleet. */
  intervalMs?: number
  /** Clock (epoch ms; default `Date.now`). */
  now?: () => number
}

/** A position the log's readable records ended at, and when. */
interface Mark {
  at: number
  end: number
}

export class StoredWatermark {
  readonly #options: Required<Omit<StoredWatermarkOptions, 'insertSettings'>> &
    Pick<StoredWatermarkOptions, 'insertSettings'>
  /** Marks the writer has not passed yet, oldest first. */
  readonly #marks: Mark[] = []
  /** Epoch ms before which every acknowledged event is stored (0: none known yet). */
  #storedThrough = 0
  #timer: NodeJS.Timeout | undefined
  #failing = false

  constructor(options: StoredWatermarkOptions) {
    this.#options = { intervalMs: 2000, now: Date.now, ...options }
  }

  /** Publishes now, then every `intervalMs`. A failed insert is logged (once per outage). */
  start(): void {
    void this.#publish(false)
    this.#timer = setInterval(() => void this.#publish(false), this.#options.intervalMs)
    this.#timer.unref()
  }

  /**
   * Epoch ms before which every event this collector acknowledged is in ClickHouse, as of now
   * (0 while the records of a previous run are not all inserted).
   */
  storedThrough(): number {
    const now = this.#options.now()
    const end = this.#options.log.readableEnd
    const last = this.#marks[this.#marks.length - 1]
    if (last === undefined || last.end !== end) this.#marks.push({ at: now, end })
    else last.at = now
    const position = this.#options.processedPosition()
    while (this.#marks.length > 0 && this.#marks[0]!.end <= position)
      this.#storedThrough = this.#marks.shift()!.at
    return this.#storedThrough
  }

  /**
   * Stops publishing; call it after the writer's last insert. Its last row says `stopped` when the
   * writer and the destinations took the whole log, so the fleet's erases no longer wait for this
   * collector.
   */
  async stop(): Promise<void> {
    clearInterval(this.#timer)
    const drained = this.#options.processedPosition() >= this.#options.log.readableEnd
    await this.#publish(drained)
  }

  async #publish(stopped: boolean): Promise<void> {
    const now = this.#options.now()
    const storedThrough = this.storedThrough()
    try {
      await this.#options.client.insert({
        table: 'collector_watermarks',
        values: [
          {
            collector_id: this.#options.log.id,
            seen_at: toClickHouseTime(now),
            stored_through: toClickHouseTime(storedThrough),
            stopped: stopped ? 1 : 0,
          },
        ],
        format: 'JSONEachRow',
        clickhouse_settings: this.#options.insertSettings,
      })
      if (this.#failing) this.#options.logger.info('stored watermark: published again')
      this.#failing = false
    } catch (error) {
      if (!this.#failing)
        this.#options.logger.warn(
          { err: error },
          'stored watermark: cannot publish how far the log is stored; the fleet’s GDPR erases wait for this collector meanwhile',
        )
      this.#failing = true
    }
  }
}
