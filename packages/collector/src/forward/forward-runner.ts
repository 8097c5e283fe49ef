/**
 * The runner of one destination: a consumer of the collector's log with a cursor of its own, so
 * deliveries survive restarts and one destination never waits for another. It reads events
 * (at most `batchEvents`, or what `flushIntervalMs` gathered), keeps those the destination takes
 * and the visitor consented to, skips those the delivery ledger holds as delivered, sends, and
 * records each attempt (`forward_log`) and each final state (`forward_ledger`) before it moves its
 * cursor. As the ClickHouse writer does (store/log-writer.ts), it persists the range it is about
 * to handle in its cursor (`intent`) first, and after a crash handles that range again: the ledger
 * keeps what was recorded as delivered from being sent twice; an event whose request was in flight
 * at the crash is sent again with the same event id, which the platforms deduplicate.
 *
 * A failed attempt never holds the log: the events go to `forward_retries` with their next
 * attempt time (exponential backoff, full jitter, `Retry-After` honoured), and while the
 * destination is failing, new events are parked there without an attempt, so an outage costs
 * ingest and the other destinations nothing. Events are retried until they leave the platform's
 * window (Meta 7 d, GA4 72 h), then dead-lettered. The same goes when the runner falls
 * `maxLagBytes` behind. A replay reads a time range from ClickHouse (not the log) and sends it
 * with the same event ids, skipping what the ledger holds as delivered unless told otherwise.
 */
import { createHash } from 'node:crypto'
import type { DefaultConsent } from '../config/destination-schema.js'
import { createError } from '../errors.js'
import { payloadLines } from '../ingest/decode-event-rows.js'
import type { LogCursor } from '../log/log-cursor.js'
import type { LogLogger, SegmentLog } from '../log/segment-log.js'
import { WakeablePause } from '../log/wakeable-pause.js'
import type { AttemptResult, Delivery, Destination } from './destination.js'
import {
  isLineOfTenant,
  readEventHead,
  toForwardEvent,
  type EventHead,
  type JsonRecord,
} from './forward-event.js'
import {
  createForwardRows,
  type DropOutcome,
  type ForwardLogRow,
  type ForwardOutcome,
  type ForwardRows,
  type ForwardStore,
  type ReplayPosition,
} from './forward-store.js'
import { getConsent } from './get-consent.js'
import { getRetryDelayMs } from './get-retry-delay.js'
import { getSelectedEvents } from './map-event.js'

/** What the runner reports, for metrics. */
export interface ForwardRunnerEvents {
  /** `count` events reached `outcome` (a retried event counts on each attempt). */
  onOutcome?(outcome: ForwardOutcome, count: number): void
  /** One `send()` of a batch took `seconds`. */
  onSend?(seconds: number): void
  /** A write to ClickHouse failed (it is retried). */
  onStoreError?(): void
}

export interface ForwardRunnerOptions {
  destination: Destination
  log: SegmentLog
  store: ForwardStore
  logger: LogLogger
  /** The tenant's consent for events that carry none. */
  defaultConsent: DefaultConsent
  /** Past this many bytes of lag, events are parked for a retry instead of sent (bytes). */
  maxLagBytes: number
  /** Most events handled in one step (events); destinations split them into requests. */
  batchEvents?: number
  events?: ForwardRunnerEvents
  /** The clock (epoch ms). */
  now?: () => number
  /** Jitter source in [0, 1). */
  random?: () => number
}

/** A replay's progress, as `GET /v1/destinations` shows it. */
export interface ReplayStatus {
  from: string
  to: string
  includeDelivered: boolean
  state: 'running' | 'done' | 'stopped'
  /** Events read from ClickHouse that the destination takes. */
  events: number
  /** Events sent and delivered. */
  delivered: number
  startedAt: string
  finishedAt?: string | undefined
}

/** A runner's live state, as `GET /v1/destinations` shows it. */
export interface RunnerStatus {
  lag: { bytes: number; seconds: number }
  /** While failing: when the next attempt is due (ISO 8601). */
  pausedUntil: string | undefined
  /** Consecutive failed attempts. */
  failures: number
  lastError: { code: string; message: string; at: string } | undefined
  replay: ReplayStatus | undefined
}

/** Bytes read from the log at a time (bytes). */
const READ_BYTES = 4 * 1024 * 1024
/** Rows read from ClickHouse per replay step (rows). */
const REPLAY_PAGE_ROWS = 1000
/** Longest idle wait before the loop looks again (ms). */
const IDLE_MS = 1000

/** The log consumer name of a tenant's destination: `fwd-<tenant>-<id>`, or a hash when that is too long. */
export function getConsumerName(tenantId: string, destinationId: string): string {
  const name = `fwd-${tenantId}-${destinationId}`
  if (name.length <= 64) return name
  return `fwd-${createHash('sha256').update(`${tenantId}/${destinationId}`).digest('hex').slice(0, 24)}-${destinationId}`
}

/** Events read from the log and not yet handled, with the log range they came from. */
interface Batch {
  from: number
  to: number
  deliveries: Delivery[]
  rows: ForwardRows
  /** When the first record of the batch was read (epoch ms). */
  since: number
}

function fingerprint(item: JsonRecord): string {
  return createHash('sha256').update(JSON.stringify(item)).digest('hex')
}

export class ForwardRunner {
  readonly destination: Destination
  /** The log consumer (cursor) name. */
  readonly name: string
  readonly #options: ForwardRunnerOptions & { batchEvents: number; now: () => number; random: () => number }
  readonly #cursor: LogCursor
  readonly #tenantId: string
  readonly #id: string
  readonly #selectedEvents: string[] | undefined
  #batch: Batch | undefined
  #readPosition: number
  #failures = 0
  #pausedUntil = 0
  #nextRetryAt: number | undefined
  #lastError: RunnerStatus['lastError']
  #replay: (ReplayStatus & { fromMs: number; toMs: number; after: ReplayPosition | undefined }) | undefined
  #stopping = false
  #running: Promise<void> | undefined
  readonly #pause = new WakeablePause()

  constructor(options: ForwardRunnerOptions) {
    this.#options = { batchEvents: 1000, now: Date.now, random: Math.random, ...options }
    this.destination = options.destination
    this.#tenantId = options.destination.tenantId
    this.#id = options.destination.config.id
    this.#selectedEvents = getSelectedEvents(options.destination.config.type, options.destination.config)
    this.name = getConsumerName(this.#tenantId, this.#id)
    // A new destination starts with the events that arrive from now on, not the log's backlog.
    this.#cursor = options.log.openCursor(this.name, { start: 'head' })
    this.#readPosition = this.#cursor.position
  }

  /** Starts consuming (first handling again a range a stop interrupted). */
  start(): void {
    this.#running ??= this.#runUntilStopped()
  }

  /** Runs the loop; after an unexpected error (a bug, a file gone), starts again from the cursor. */
  async #runUntilStopped(): Promise<void> {
    while (!this.#stopping) {
      try {
        await this.#run()
      } catch (error) {
        this.#options.logger.error(
          { err: error, destination: this.name },
          'forwarding: unexpected error; starting again from the cursor',
        )
        this.#batch = undefined
        this.#readPosition = this.#cursor.position
        await this.#pause.sleep(1000)
      }
    }
  }

  /** The runner's live state. */
  get status(): RunnerStatus {
    const { replay } = this
    return {
      lag: this.#options.log.getLag(this.name),
      pausedUntil:
        this.#pausedUntil > this.#options.now() ? new Date(this.#pausedUntil).toISOString() : undefined,
      failures: this.#failures,
      lastError: this.#lastError,
      replay,
    }
  }

  get replay(): ReplayStatus | undefined {
    if (!this.#replay) return undefined
    const { fromMs: _from, toMs: _to, after: _after, ...status } = this.#replay
    return { ...status }
  }

  /**
   * Starts re-sending the tenant's events of `[fromMs, toMs)` from ClickHouse.
   *
   * @throws RastroError `RASTRO_ERR_REPLAY_IN_PROGRESS` (409) while another replay runs.
   */
  startReplay(range: { fromMs: number; toMs: number; includeDelivered: boolean }): ReplayStatus {
    if (this.#replay?.state === 'running') {
      throw createError('RASTRO_ERR_REPLAY_IN_PROGRESS', { message: `a replay to ${this.#id} is running` })
    }
    this.#replay = {
      ...range,
      from: new Date(range.fromMs).toISOString(),
      to: new Date(range.toMs).toISOString(),
      state: 'running',
      events: 0,
      delivered: 0,
      startedAt: new Date(this.#options.now()).toISOString(),
      after: undefined,
    }
    this.#options.logger.info(
      { destination: this.name, from: this.#replay.from, to: this.#replay.to },
      'forwarding: replay started',
    )
    this.#pause.wake()
    return this.replay!
  }

  async #run(): Promise<void> {
    if (!(await this.#refreshRetryQueue())) return
    const intent = this.#cursor.intent
    if (intent) {
      this.#options.logger.info(
        { destination: this.name, ...intent },
        'forwarding: handling again the range a stop interrupted',
      )
      const batch = await this.#readRange(intent.from, intent.to)
      if (!(await this.#handleBatch(batch))) return
    }
    while (!this.#stopping) {
      let busy = false
      if (this.#retriesDue()) busy = await this.#handleRetries()
      if (!this.#stopping) busy = (await this.#handleLog()) || busy
      if (!this.#stopping && this.#replay?.state === 'running')
        busy = (await this.#handleReplayPage()) || busy
      if (!busy && !this.#stopping) await this.#idle()
    }
  }

  #retriesDue(): boolean {
    const now = this.#options.now()
    return this.#nextRetryAt !== undefined && now >= this.#nextRetryAt && now >= this.#pausedUntil
  }

  /** Waits for new log data, a due retry or batch, or a wake-up, whichever comes first. */
  async #idle(): Promise<void> {
    const now = this.#options.now()
    let ms = IDLE_MS
    if (this.#batch) ms = Math.min(ms, this.#batch.since + this.destination.config.flushIntervalMs - now)
    if (this.#nextRetryAt !== undefined)
      ms = Math.min(ms, Math.max(this.#nextRetryAt, this.#pausedUntil) - now)
    ms = Math.max(ms, 1)
    await Promise.race([this.#options.log.waitForData(this.#readPosition, ms), this.#pause.sleep(ms)])
  }

  /** Reads what the log holds past the batch, and handles the batch when it is full or old enough. */
  async #handleLog(): Promise<boolean> {
    const log = this.#options.log
    let read = false
    while (
      log.readableEnd > this.#readPosition &&
      (this.#batch?.deliveries.length ?? 0) < this.#options.batchEvents
    ) {
      const { records, next } = await this.#cursor.read(this.#readPosition, READ_BYTES)
      if (next <= this.#readPosition) break
      this.#batch ??= {
        from: this.#readPosition,
        to: next,
        deliveries: [],
        rows: createForwardRows(),
        since: this.#options.now(),
      }
      for (const record of records) this.#addLines(payloadLines(record.payload), this.#batch, 'log')
      this.#batch.to = next
      this.#readPosition = next
      read = true
    }
    const batch = this.#batch
    if (!batch) return read
    const due =
      batch.deliveries.length >= this.#options.batchEvents ||
      this.#options.now() - batch.since >= this.destination.config.flushIntervalMs
    if (!due) return read
    this.#batch = undefined
    await this.#handleBatch(batch)
    return true
  }

  /** Reads exactly the records of `[from, to)` (a range a stop interrupted). */
  async #readRange(from: number, to: number): Promise<Batch> {
    const batch: Batch = { from, to, deliveries: [], rows: createForwardRows(), since: this.#options.now() }
    let position = from
    while (position < to) {
      const { records } = await this.#cursor.read(position, to - position)
      const within = records.filter((record) => record.end <= to)
      if (within.length === 0) break
      for (const record of within) this.#addLines(payloadLines(record.payload), batch, 'log')
      position = within[within.length - 1]!.end
    }
    this.#readPosition = to
    return batch
  }

  /** Adds the events of `lines` (`JSONCompactEachRow` lines) the destination takes to `batch`. */
  #addLines(
    lines: Iterable<string>,
    batch: Pick<Batch, 'deliveries' | 'rows'>,
    source: 'log' | 'replay',
  ): void {
    for (const line of lines) {
      if (line === '' || (source === 'log' && !isLineOfTenant(line, this.#tenantId))) continue
      const head = readEventHead(line)
      if (head && head.tenantId === this.#tenantId) this.#addEvent(head, batch, source)
    }
  }

  #addEvent(head: EventHead, batch: Pick<Batch, 'deliveries' | 'rows'>, source: 'log' | 'replay'): void {
    const destination = this.destination
    const eventName = destination.nameEvent(head.type, head.event)
    if (eventName === undefined) return
    const event = toForwardEvent(head)
    const now = this.#options.now()
    const sourceEvent = event.type === 'track' ? event.event : event.type
    const drop = (outcome: DropOutcome, error: string) => {
      batch.rows.log.push(this.#notSent(event.messageId, eventName, sourceEvent, outcome, '', error))
      this.#options.events?.onOutcome?.(outcome, 1)
    }
    if (event.bot) return drop('dropped_bot', 'the event is flagged as automated traffic')
    const consent = getConsent(event, this.#options.defaultConsent)
    if (destination.consent !== 'none' && !consent[destination.consent]) {
      const from = consent.explicit
        ? 'the visitor declined it'
        : "the event carries none and the tenant's defaultConsent denies it"
      return drop('dropped_consent', `no ${destination.consent} consent: ${from}`)
    }
    // Sent to Rastro already past the window (an import of old data): not Rastro's delay, so a
    // drop rather than a dead letter; so is a replay of a range the platform no longer takes.
    const age = now - event.timestampMs
    if (
      age > destination.windowMs &&
      (source === 'replay' || event.receivedAtMs - event.timestampMs > destination.windowMs)
    ) {
      return drop(
        'dropped_too_old',
        `the event is older than the ${Math.round(destination.windowMs / 3_600_000)} h the destination takes`,
      )
    }
    const prepared = destination.prepare(event, eventName, consent)
    if ('invalid' in prepared) {
      batch.rows.log.push(
        this.#notSent(
          event.messageId,
          eventName,
          sourceEvent,
          'invalid',
          'RASTRO_ERR_FORWARD_INVALID_EVENT',
          prepared.invalid,
        ),
      )
      batch.rows.ledger.push({
        eventId: event.messageId,
        eventName,
        eventTimeMs: event.timestampMs,
        state: 'dead',
        attempts: 0,
      })
      batch.rows.deadLetters.push({
        eventId: event.messageId,
        eventName,
        sourceEvent,
        eventTimeMs: event.timestampMs,
        errorCode: 'RASTRO_ERR_FORWARD_INVALID_EVENT',
        error: prepared.invalid,
        httpStatus: 0,
        attempts: 0,
        payload: { type: event.type, event: event.event, messageId: event.messageId },
      })
      this.#options.events?.onOutcome?.('invalid', 1)
      return
    }
    batch.deliveries.push({
      eventId: event.messageId,
      eventName,
      sourceEvent,
      eventTimeMs: event.timestampMs,
      attempts: 0,
      item: prepared.item,
    })
  }

  #notSent(
    eventId: string,
    eventName: string,
    sourceEvent: string,
    outcome: ForwardOutcome,
    errorCode: string,
    error: string,
    payloadSha256 = '',
  ): ForwardLogRow {
    return {
      atMs: this.#options.now(),
      eventId,
      eventName,
      sourceEvent,
      attempt: 0,
      status: 'not_sent',
      httpStatus: 0,
      traceId: '',
      latencyMs: 0,
      outcome,
      errorCode,
      error,
      payloadSha256,
    }
  }

  /** Handles a batch read from the log: intent, delivery, records, cursor. False when stopping cut it short. */
  async #handleBatch(batch: Batch): Promise<boolean> {
    const { deliveries, rows } = batch
    const empty = deliveries.length === 0 && rows.log.length === 0
    if (empty) {
      await this.#cursor.commit({ position: batch.to })
      return true
    }
    await this.#cursor.commit({ position: batch.from, intent: { from: batch.from, to: batch.to } })
    if (!(await this.#deliver(deliveries, rows, 'log'))) return false
    await this.#cursor.commit({ position: batch.to })
    return true
  }

  async #handleRetries(): Promise<boolean> {
    const due = await this.#withStore((store) =>
      store.loadDueRetries(this.#tenantId, this.#id, this.#options.now(), this.#options.batchEvents),
    )
    if (due === undefined) return false
    if (due.length > 0 && !(await this.#deliver(due, createForwardRows(), 'retry'))) return false
    await this.#refreshRetryQueue()
    return due.length > 0
  }

  async #handleReplayPage(): Promise<boolean> {
    const replay = this.#replay!
    const config = this.destination.config
    const lines = await this.#withStore((store) =>
      store.readEvents(
        this.#tenantId,
        {
          fromMs: replay.fromMs,
          toMs: replay.toMs,
          after: replay.after,
          events: this.#selectedEvents,
          pageViews: config.pageViews,
        },
        REPLAY_PAGE_ROWS,
      ),
    )
    if (lines === undefined) return false
    if (lines.length === 0) {
      replay.state = 'done'
      replay.finishedAt = new Date(this.#options.now()).toISOString()
      this.#options.logger.info(
        { destination: this.name, events: replay.events, delivered: replay.delivered },
        'forwarding: replay done',
      )
      return false
    }
    const batch = { deliveries: [] as Delivery[], rows: createForwardRows() }
    this.#addLines(lines, batch, 'replay')
    const last = JSON.parse(lines[lines.length - 1]!) as unknown[]
    const position = { timestamp: String(last[0]), messageId: String(last[3]) }
    replay.events += batch.deliveries.length
    const delivered = await this.#deliver(batch.deliveries, batch.rows, 'replay')
    if (!delivered) return false
    replay.after = position
    return true
  }

  /**
   * Sends (or parks, or dry-runs) `deliveries` and writes every resulting row. False when the
   * runner is stopping and the rows could not be written (the caller's range stays to redo).
   */
  async #deliver(
    deliveries: Delivery[],
    rows: ForwardRows,
    source: 'log' | 'retry' | 'replay',
  ): Promise<boolean> {
    const destination = this.destination
    const { now } = this.#options
    let pending = deliveries
    const skipLedger = source === 'replay' && this.#replay?.includeDelivered === true
    if (pending.length > 0 && !skipLedger) {
      const delivered = await this.#withStore((store) =>
        store.findDelivered(
          this.#tenantId,
          this.#id,
          pending.map((delivery) => delivery.eventId),
        ),
      )
      if (delivered === undefined) return false
      for (const delivery of pending) {
        if (delivered.has(delivery.eventId) && source === 'retry')
          rows.retries.push({ delivery, nextAttemptAtMs: now(), state: 'done' })
      }
      pending = pending.filter((delivery) => !delivered.has(delivery.eventId))
    }
    const fresh: Delivery[] = []
    for (const delivery of pending) {
      if (now() - delivery.eventTimeMs > destination.windowMs) {
        this.#addFinal(
          rows,
          {
            delivery,
            outcome: 'dead',
            errorCode: 'RASTRO_ERR_FORWARD_WINDOW_EXPIRED',
            error: 'the event left the destination window before it could be delivered',
            httpStatus: 0,
            traceId: '',
            latencyMs: 0,
          },
          source,
          false,
        )
      } else fresh.push(delivery)
    }
    if (fresh.length > 0) {
      if (destination.config.dryRun) {
        for (const delivery of fresh) {
          rows.log.push(
            this.#notSent(
              delivery.eventId,
              delivery.eventName,
              delivery.sourceEvent,
              'dry_run',
              '',
              '',
              fingerprint(delivery.item),
            ),
          )
        }
        this.#options.events?.onOutcome?.('dry_run', fresh.length)
      } else if (
        source !== 'retry' &&
        (now() < this.#pausedUntil || this.#options.log.getLag(this.name).bytes > this.#options.maxLagBytes)
      ) {
        // Failing or far behind: park without an attempt; the retry loop sends them.
        const nextAttemptAtMs = Math.max(this.#pausedUntil, now())
        for (const delivery of fresh) rows.retries.push({ delivery, nextAttemptAtMs, state: 'retrying' })
        this.#nextRetryAt = Math.min(this.#nextRetryAt ?? Infinity, nextAttemptAtMs)
      } else {
        const started = performance.now()
        const results = await destination.send(fresh)
        this.#options.events?.onSend?.((performance.now() - started) / 1000)
        this.#applyResults(results, rows, source)
      }
    }
    const written = await this.#withStore(async (store) => {
      await store.write(this.#tenantId, this.#id, rows, now())
      return true
    })
    return written === true
  }

  /** Turns attempt results into rows and updates the backoff. */
  #applyResults(results: AttemptResult[], rows: ForwardRows, source: 'log' | 'retry' | 'replay'): void {
    const now = this.#options.now()
    const retry = results.filter((result) => result.outcome === 'retry')
    if (retry.length > 0) {
      this.#failures++
      const retryAfterMs = Math.max(0, ...retry.map((result) => result.retryAfterMs ?? 0))
      const config = this.destination.config
      const delayMs = getRetryDelayMs(this.#failures, {
        baseMs: config.retryBaseMs,
        maxMs: config.retryMaxMs,
        retryAfterMs,
        random: this.#options.random,
      })
      this.#pausedUntil = now + delayMs
      this.#options.logger.warn(
        {
          destination: this.name,
          events: retry.length,
          error: retry[0]!.error,
          failures: this.#failures,
          retryInMs: delayMs,
        },
        'forwarding: destination failed; events will be retried',
      )
    } else if (results.some((result) => result.outcome === 'delivered')) {
      this.#failures = 0
      this.#pausedUntil = 0
    }
    for (const result of results) {
      if (result.outcome === 'retry') {
        this.#lastError = {
          code: result.errorCode ?? '',
          message: result.error ?? '',
          at: new Date(now).toISOString(),
        }
        const delivery = { ...result.delivery, attempts: result.delivery.attempts + 1 }
        if (this.#pausedUntil - delivery.eventTimeMs > this.destination.windowMs) {
          this.#addFinal(
            rows,
            {
              ...result,
              outcome: 'dead',
              errorCode: 'RASTRO_ERR_FORWARD_WINDOW_EXPIRED',
              error: `${result.error}; the next attempt would be past the destination window`,
            },
            source,
            true,
          )
          continue
        }
        rows.retries.push({ delivery, nextAttemptAtMs: this.#pausedUntil, state: 'retrying' })
        rows.log.push(this.#attemptRow(result, 'retrying'))
        this.#nextRetryAt = Math.min(this.#nextRetryAt ?? Infinity, this.#pausedUntil)
        this.#options.events?.onOutcome?.('retrying', 1)
      } else {
        this.#addFinal(rows, result, source, true)
      }
    }
  }

  /** Rows of a delivered or dead event (`attempted`: a request was made for it now). */
  #addFinal(
    rows: ForwardRows,
    result: AttemptResult,
    source: 'log' | 'retry' | 'replay',
    attempted: boolean,
  ): void {
    const { delivery } = result
    const attempts = delivery.attempts + (attempted ? 1 : 0)
    const state = result.outcome === 'delivered' ? 'delivered' : 'dead'
    rows.ledger.push({
      eventId: delivery.eventId,
      eventName: delivery.eventName,
      eventTimeMs: delivery.eventTimeMs,
      state,
      attempts,
    })
    if (source === 'retry')
      rows.retries.push({ delivery, nextAttemptAtMs: this.#options.now(), state: 'done' })
    const outcome: ForwardOutcome = state === 'delivered' ? 'delivered' : 'dead_lettered'
    if (attempted) rows.log.push(this.#attemptRow(result, outcome))
    else {
      rows.log.push(
        this.#notSent(
          delivery.eventId,
          delivery.eventName,
          delivery.sourceEvent,
          outcome,
          result.errorCode ?? '',
          result.error ?? '',
          fingerprint(delivery.item),
        ),
      )
    }
    if (state === 'dead') {
      this.#lastError = {
        code: result.errorCode ?? '',
        message: result.error ?? '',
        at: new Date(this.#options.now()).toISOString(),
      }
      rows.deadLetters.push({
        eventId: delivery.eventId,
        eventName: delivery.eventName,
        sourceEvent: delivery.sourceEvent,
        eventTimeMs: delivery.eventTimeMs,
        errorCode: result.errorCode ?? '',
        error: result.error ?? '',
        httpStatus: result.httpStatus,
        attempts,
        payload: this.destination.redact(delivery.item),
      })
    } else if (source === 'replay' && this.#replay) this.#replay.delivered++
    this.#options.events?.onOutcome?.(outcome, 1)
  }

  #attemptRow(result: AttemptResult, outcome: ForwardOutcome): ForwardLogRow {
    const { delivery } = result
    return {
      atMs: this.#options.now(),
      eventId: delivery.eventId,
      eventName: delivery.eventName,
      sourceEvent: delivery.sourceEvent,
      attempt: delivery.attempts + 1,
      status: result.httpStatus === 0 ? 'no_answer' : result.httpStatus < 300 ? 'ok' : 'error',
      httpStatus: result.httpStatus,
      traceId: result.traceId,
      latencyMs: result.latencyMs,
      outcome,
      errorCode: result.errorCode ?? '',
      error: result.error ?? '',
      payloadSha256: fingerprint(delivery.item),
    }
  }

  /** Re-reads how many events wait and when the soonest is due. False when stopping cut it short. */
  async #refreshRetryQueue(): Promise<boolean> {
    const queue = await this.#withStore((store) => store.getRetryQueue(this.#tenantId, this.#id))
    if (queue === undefined) return false
    this.#nextRetryAt = queue.nextAttemptAtMs
    return true
  }

  /**
   * Runs a ClickHouse call until it succeeds, backing off; undefined when the runner stops first.
   * ClickHouse down stalls this destination (its cursor holds), as it stalls the writer.
   */
  async #withStore<T>(call: (store: ForwardStore) => Promise<T>): Promise<T | undefined> {
    let waitMs = 100
    for (;;) {
      try {
        return await call(this.#options.store)
      } catch (error) {
        this.#options.events?.onStoreError?.()
        this.#options.logger.error(
          { err: error, destination: this.name, retryInMs: waitMs },
          'forwarding: ClickHouse call failed',
        )
        if (this.#stopping) return undefined
        await this.#pause.sleep(waitMs)
        if (this.#stopping) return undefined
        waitMs = Math.min(waitMs * 2, 30_000)
      }
    }
  }

  /**
   * Stops after the step in progress (a request in flight finishes, within the destination's
   * timeout). Events read but not yet handled are read again on the next start.
   */
  async close(): Promise<void> {
    this.#stopping = true
    this.#pause.wake()
    await this.#running
    if (this.#replay?.state === 'running') this.#replay.state = 'stopped'
    await this.destination.close()
  }
}
