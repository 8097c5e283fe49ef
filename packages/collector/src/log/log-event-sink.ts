/**
 * The {@link EventSink} ingest writes to: accepted rows become log records (one per month, see
 * `encodeEventRows`), and `write()` resolves once they are durable per the log's mode, so the
 * request is acknowledged only then.
 */
import { encodeEventRows } from '../ingest/encode-event-rows.js'
import type { EventRow, EventSink } from '../ingest/event-row.js'
import type { SegmentLog } from './segment-log.js'

export class LogEventSink implements EventSink {
  readonly #log: SegmentLog

  constructor(log: SegmentLog) {
    this.#log = log
  }

  /**
   * Encodes the rows before it returns (a caller may drop them then), and resolves once they are
   * durable.
   *
   * @throws RastroError 503 codes of {@link SegmentLog.append} (as a rejection).
   */
  write(rows: EventRow[]): Promise<void> {
    if (rows.length === 0) return Promise.resolve()
    let appended: Promise<number>
    try {
      appended = this.#log.append(encodeEventRows(rows))
    } catch (error) {
      return Promise.reject(error)
    }
    return appended.then(() => undefined)
  }

  /** Refuses early (before parsing and enriching a request) when an append would be refused. */
  check(): void {
    const refusal = this.#log.getRefusal()
    if (refusal) throw refusal
  }

  async close(): Promise<void> {
    await this.#log.close()
  }
}
