/**
 * The {@link EventSink} ingest writes to: accepted rows become log records (one per month, see
 * `encodeEventRows`), and `write()` resolves once they are durable per the log's mode, so the
 * request is acknowledged only then.
 */
import { encodeEventRows } from '../ingest/encode-event-rows.js'
import type { EventRow, EventSink } from '../ingest/event-row.js'
import { BufferPool, POOLED_MIN_BYTES } from '../util/buffer-pool.js'
import type { SegmentLog } from './segment-log.js'

/**
 * Memory kept for large payloads between requests (bytes): a group commit's worth of batches of
 * 500 events (~450 KB each).
 */
const POOLED_PAYLOAD_BYTES = 16 * 1024 * 1024

export class LogEventSink implements EventSink {
  readonly #log: SegmentLog
  /** Large payloads' memory, used again once the log has written them (no page faults per request). */
  readonly #payloadMemory = new BufferPool(POOLED_PAYLOAD_BYTES)

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
    let payloads: Buffer[]
    try {
      payloads = encodeEventRows(rows, this.#payloadMemory.allocate)
    } catch (error) {
      return Promise.reject(error)
    }
    const appended = this.#log.append(payloads)
    // Payloads wait with the request only when one is pooled: otherwise they are the log's alone.
    if (!payloads.some((payload) => payload.length >= POOLED_MIN_BYTES)) return appended.then(() => undefined)
    // Once the append settled, the log holds no payload any more: written (and synced), or refused.
    const release = () => {
      for (const payload of payloads) this.#payloadMemory.release(payload)
    }
    return appended.then(release, (error: unknown) => {
      release()
      throw error
    })
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
