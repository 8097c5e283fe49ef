/**
 * A log consumer's cursor: its place in the log, and the range it was handling when it stopped
 * (its `intent`), persisted atomically (write temp + fsync + rename) on every `commit()`. The
 * ClickHouse writer holds one; destinations and the CRM scorer will hold their own.
 */
import type { LogRecord } from './frame-records.js'
import type { SegmentLog } from './segment-log.js'
import { writeFileAtomicAsync } from '../util/write-file-atomic.js'

/** A consumer's persisted place in the log. */
export interface CursorState {
  /** Everything before this position has been handled. */
  position: number
  /**
   * A range the consumer started to handle (e.g. an insert in flight) and must redo identically
   * after a crash, so its idempotency key (derived from the range) is the same.
   */
  intent?: { from: number; to: number } | undefined
}

/**
 * A consumer's cursor: where it is, and `commit()` to move it (persisted atomically before it
 * returns). Obtained from {@link SegmentLog.openCursor}.
 */
export class LogCursor {
  readonly name: string
  #state: CursorState
  readonly #log: SegmentLog
  readonly #path: string

  /** Made by {@link SegmentLog.openCursor}. */
  constructor(log: SegmentLog, name: string, path: string, state: CursorState) {
    this.#log = log
    this.name = name
    this.#path = path
    this.#state = state
  }

  /** Everything before this position has been handled. */
  get position(): number {
    return this.#state.position
  }

  /** The range in flight when the consumer stopped, if any. */
  get intent(): CursorState['intent'] {
    return this.#state.intent
  }

  /** Reads the records from `from` on (see {@link SegmentLog.read}). */
  read(from: number, maxBytes: number): Promise<{ records: LogRecord[]; next: number }> {
    return this.#log.read(from, maxBytes)
  }

  /**
   * Persists a new state (write temp + fsync + rename, off the event loop), then lets the log
   * delete the segments every cursor has passed. A consumer awaits one commit before the next.
   */
  async commit(state: CursorState): Promise<void> {
    await writeFileAtomicAsync(this.#path, JSON.stringify(state))
    this.#state = { ...state }
    await this.#log.onCursorMoved()
  }
}
