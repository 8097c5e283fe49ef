/**
 * Forwarding's tables in ClickHouse (store/migrations/0050-0053): the audit (`forward_log`), the
 * delivery ledger (`forward_ledger`), events waiting for a retry (`forward_retries`) and the dead
 * letters (`forward_dead_letters`), the reads of `events` a replay needs, and the erasure of a
 * person's rows (GDPR). Every query binds tenant and destination as parameters.
 */
import type { ClickHouseClient, ClickHouseSettings } from '@clickhouse/client'
import { EVENT_COLUMNS } from '../ingest/encode-event-rows.js'
import { toClickHouseTime } from '../ingest/event-row.js'
import type { Delivery } from './destination.js'
import { parseClickHouseTime, type JsonRecord } from './forward-event.js'

/** What became of an event at a destination, as `forward_log.outcome`. */
export type ForwardOutcome =
  | 'delivered'
  | 'retrying'
  | 'dead_lettered'
  | 'invalid'
  | 'dry_run'
  | 'dropped_consent'
  | 'dropped_bot'
  | 'dropped_too_old'

/** Outcomes of events a destination did not take; a closed set, counted per reason. */
export type DropOutcome = Extract<ForwardOutcome, `dropped_${string}`>

/** One `forward_log` row (times in epoch ms). */
export interface ForwardLogRow {
  atMs: number
  eventId: string
  eventName: string
  sourceEvent: string
  /** 1 for the first attempt; 0 for an event that was not sent (dropped, invalid, dry run). */
  attempt: number
  /** `ok` (2xx), `error` (another answer), `no_answer`, or `not_sent`. */
  status: 'ok' | 'error' | 'no_answer' | 'not_sent'
  httpStatus: number
  traceId: string
  latencyMs: number
  outcome: ForwardOutcome
  errorCode: string
  error: string
  payloadSha256: string
}

/** One `forward_ledger` row: the final state of an event at a destination. */
export interface LedgerRow {
  eventId: string
  eventName: string
  eventTimeMs: number
  state: 'delivered' | 'dead'
  attempts: number
}

/** One `forward_retries` row: an event waiting (`retrying`) or no longer waiting (`done`). */
export interface RetryRow {
  delivery: Delivery
  nextAttemptAtMs: number
  state: 'retrying' | 'done'
}

/** One `forward_dead_letters` row. */
export interface DeadLetterRow {
  eventId: string
  eventName: string
  sourceEvent: string
  eventTimeMs: number
  errorCode: string
  error: string
  httpStatus: number
  attempts: number
  /** The redacted payload. */
  payload: JsonRecord
}

/** Rows of one step of a destination, written together. */
export interface ForwardRows {
  log: ForwardLogRow[]
  ledger: LedgerRow[]
  retries: RetryRow[]
  deadLetters: DeadLetterRow[]
}

/** A destination's counts and last error, for `GET /v1/destinations`. */
export interface DestinationSummary {
  /** Events in the ledger as delivered (last 35 days). */
  delivered: number
  /** Events dead-lettered (last 35 days). */
  failed: number
  /** Events waiting for a retry. */
  retrying: number
  /** Events not taken, by reason (last 90 days). */
  dropped: { consent: number; bot: number; tooOld: number }
  dryRun: number
  lastError: { code: string; message: string; at: string } | undefined
}

/** Where a replay goes on from: the last event it read (sort key of `events`: time, then id). */
export interface ReplayPosition {
  timestamp: string
  messageId: string
}

export function createForwardRows(): ForwardRows {
  return { log: [], ledger: [], retries: [], deadLetters: [] }
}

const time = (ms: number) => toClickHouseTime(ms)

export interface ForwardStoreOptions {
  /** Who parks and retries events: the collector's log id (collectors sharing a ClickHouse each retry their own). */
  owner: string
  /** Added to every insert (`insert_distributed_sync` on a cluster). */
  insertSettings?: ClickHouseSettings | undefined
  /** Cluster name: erasures mutate the `<table>_local` tables `ON CLUSTER` (a Distributed table takes no mutation). */
  cluster?: string | undefined
}

/** A person's events in `events`: the rows whose `anonymous_id`, `user_id` or `message_id` is listed. */
export interface PersonEventIds {
  anonymousIds: string[]
  userIds: string[]
  messageIds: string[]
}

/**
 * How each forwarding table forgets an event: the audit keeps its row (the counts per outcome stay
 * right) without what ties it to the event or could quote its data; the other tables hold the
 * payload or are keyed by the event id, so their rows go.
 */
const ERASE_ACTIONS = [
  ['forward_log', "UPDATE event_id = '', vendor_trace_id = '', error = '', payload_sha256 = ''"],
  ['forward_ledger', 'DELETE'],
  ['forward_retries', 'DELETE'],
  ['forward_dead_letters', 'DELETE'],
] as const

/** Event ids per erasure mutation: their query parameter stays far below a server's 1 MiB URL limit (`http_max_uri_size`). */
const ERASE_CHUNK_IDS = 1000

export class ForwardStore {
  readonly #client: ClickHouseClient
  readonly #owner: string
  readonly #insertSettings: ClickHouseSettings | undefined
  readonly #cluster: string | undefined

  constructor(client: ClickHouseClient, options: ForwardStoreOptions) {
    this.#client = client
    this.#owner = options.owner
    this.#insertSettings = options.insertSettings
    this.#cluster = options.cluster
  }

  async #rows<T>(query: string, params: Record<string, unknown>): Promise<T[]> {
    const result = await this.#client.query({ query, query_params: params, format: 'JSONEachRow' })
    return result.json<T>()
  }

  async #insert(table: string, values: Record<string, unknown>[]): Promise<void> {
    if (values.length === 0) return
    await this.#client.insert({
      table,
      values,
      format: 'JSONEachRow',
      ...(this.#insertSettings ? { clickhouse_settings: this.#insertSettings } : {}),
    })
  }

  /** Of `eventIds`, those the ledger holds as delivered to the destination. */
  async findDelivered(tenantId: string, destination: string, eventIds: string[]): Promise<Set<string>> {
    if (eventIds.length === 0) return new Set()
    const rows = await this.#rows<{ event_id: string }>(
      `SELECT event_id FROM forward_ledger FINAL
       WHERE tenant_id = {tenant:String} AND destination = {destination:String}
         AND event_id IN {ids:Array(String)} AND state = 'delivered'`,
      { tenant: tenantId, destination, ids: eventIds },
    )
    return new Set(rows.map((row) => row.event_id))
  }

  /**
   * Writes a step's rows: ledger first (what must never be sent again), then retries, dead
   * letters and the audit.
   *
   * @throws the ClickHouse error; the caller retries the whole write (rows are idempotent by key,
   *   audit rows may repeat).
   */
  async write(tenantId: string, destination: string, rows: ForwardRows, nowMs: number): Promise<void> {
    const key = { tenant_id: tenantId, destination }
    await this.#insert(
      'forward_ledger',
      rows.ledger.map((row) => ({
        ...key,
        event_id: row.eventId,
        event_name: row.eventName,
        event_time: time(row.eventTimeMs),
        state: row.state,
        attempts: row.attempts,
        updated_at: time(nowMs),
      })),
    )
    await this.#insert(
      'forward_retries',
      rows.retries.map(({ delivery, nextAttemptAtMs, state }) => ({
        ...key,
        owner: this.#owner,
        event_id: delivery.eventId,
        event_name: delivery.eventName,
        source_event: delivery.sourceEvent,
        event_time: time(delivery.eventTimeMs),
        attempts: delivery.attempts,
        next_attempt_at: time(nextAttemptAtMs),
        state,
        item: state === 'retrying' ? JSON.stringify(delivery.item) : '',
        updated_at: time(nowMs),
      })),
    )
    await this.#insert(
      'forward_dead_letters',
      rows.deadLetters.map((row) => ({
        ...key,
        event_id: row.eventId,
        event_name: row.eventName,
        source_event: row.sourceEvent,
        event_time: time(row.eventTimeMs),
        error_code: row.errorCode,
        error: row.error,
        http_status: row.httpStatus,
        attempts: row.attempts,
        payload: JSON.stringify(row.payload),
        dead_at: time(nowMs),
      })),
    )
    await this.#insert(
      'forward_log',
      rows.log.map((row) => ({
        at: time(row.atMs),
        ...key,
        event_id: row.eventId,
        event_name: row.eventName,
        source_event: row.sourceEvent,
        attempt: row.attempt,
        status: row.status,
        http_status: row.httpStatus,
        vendor_trace_id: row.traceId,
        latency_ms: row.latencyMs,
        outcome: row.outcome,
        error_code: row.errorCode,
        error: row.error,
        payload_sha256: row.payloadSha256,
      })),
    )
  }

  /** Up to `limit` events whose next attempt is due at `nowMs`, soonest first. */
  async loadDueRetries(
    tenantId: string,
    destination: string,
    nowMs: number,
    limit: number,
  ): Promise<Delivery[]> {
    const rows = await this.#rows<{
      event_id: string
      event_name: string
      source_event: string
      event_time: string
      attempts: number
      item: string
    }>(
      `SELECT event_id, event_name, source_event, event_time, attempts, item
       FROM forward_retries FINAL
       WHERE tenant_id = {tenant:String} AND destination = {destination:String} AND owner = {owner:String}
         AND state = 'retrying' AND next_attempt_at <= {now:DateTime64(3, 'UTC')}
       ORDER BY next_attempt_at, event_id
       LIMIT {limit:UInt32}`,
      { tenant: tenantId, destination, owner: this.#owner, now: time(nowMs), limit },
    )
    return rows.map((row) => ({
      eventId: row.event_id,
      eventName: row.event_name,
      sourceEvent: row.source_event,
      eventTimeMs: parseClickHouseTime(row.event_time),
      attempts: Number(row.attempts),
      item: JSON.parse(row.item) as JsonRecord,
    }))
  }

  /** How many of this collector's events wait for a retry at the destination, and when the soonest is due (epoch ms). */
  async getRetryQueue(
    tenantId: string,
    destination: string,
  ): Promise<{ count: number; nextAttemptAtMs: number | undefined }> {
    const [row] = await this.#rows<{ count: string | number; next: string | null }>(
      `SELECT count() AS count, if(count() = 0, NULL, min(next_attempt_at)) AS next
       FROM forward_retries FINAL
       WHERE tenant_id = {tenant:String} AND destination = {destination:String} AND owner = {owner:String}
         AND state = 'retrying'`,
      { tenant: tenantId, destination, owner: this.#owner },
    )
    const count = Number(row?.count ?? 0)
    return { count, nextAttemptAtMs: row?.next ? parseClickHouseTime(row.next) : undefined }
  }

  /** Counts and the last error of every destination of a tenant that has any. */
  async getSummaries(tenantId: string): Promise<Map<string, DestinationSummary>> {
    const params = { tenant: tenantId }
    const [ledger, retries, log] = await Promise.all([
      this.#rows<{ destination: string; delivered: string; failed: string }>(
        `SELECT destination, countIf(state = 'delivered') AS delivered, countIf(state = 'dead') AS failed
         FROM forward_ledger FINAL WHERE tenant_id = {tenant:String} GROUP BY destination`,
        params,
      ),
      this.#rows<{ destination: string; retrying: string }>(
        `SELECT destination, count() AS retrying FROM forward_retries FINAL
         WHERE tenant_id = {tenant:String} AND state = 'retrying' GROUP BY destination`,
        params,
      ),
      this.#rows<{
        destination: string
        consent: string
        bot: string
        too_old: string
        dry_run: string
        last_code: string
        last_error: string
        last_error_at: string
      }>(
        `SELECT destination,
           countIf(outcome = 'dropped_consent') AS consent, countIf(outcome = 'dropped_bot') AS bot,
           countIf(outcome = 'dropped_too_old') AS too_old, countIf(outcome = 'dry_run') AS dry_run,
           argMaxIf(error_code, at, error_code != '') AS last_code, argMaxIf(error, at, error_code != '') AS last_error,
           maxIf(at, error_code != '') AS last_error_at
         FROM forward_log WHERE tenant_id = {tenant:String} GROUP BY destination`,
        params,
      ),
    ])
    const summaries = new Map<string, DestinationSummary>()
    const get = (destination: string) => {
      let summary = summaries.get(destination)
      if (!summary) {
        summary = {
          delivered: 0,
          failed: 0,
          retrying: 0,
          dropped: { consent: 0, bot: 0, tooOld: 0 },
          dryRun: 0,
          lastError: undefined,
        }
        summaries.set(destination, summary)
      }
      return summary
    }
    for (const row of ledger)
      Object.assign(get(row.destination), { delivered: Number(row.delivered), failed: Number(row.failed) })
    for (const row of retries) get(row.destination).retrying = Number(row.retrying)
    for (const row of log) {
      const summary = get(row.destination)
      summary.dropped = { consent: Number(row.consent), bot: Number(row.bot), tooOld: Number(row.too_old) }
      summary.dryRun = Number(row.dry_run)
      if (row.last_code) {
        summary.lastError = {
          code: row.last_code,
          message: row.last_error,
          at: new Date(parseClickHouseTime(row.last_error_at)).toISOString(),
        }
      }
    }
    return summaries
  }

  /**
   * Erases what forwarding keeps about a person's events (GDPR Art. 17), found by their ids in
   * `events`, so call it before the events themselves are erased: `forward_log` rows are
   * anonymised ({@link ERASE_ACTIONS}), ledger, retry and dead-letter rows deleted, with
   * synchronous mutations (`mutations_sync = 2`: gone from every active part on return).
   *
   * @returns rows erased (or anonymised) per table.
   * @throws the ClickHouse error; erasing again is safe.
   */
  async erasePerson(tenantId: string, person: PersonEventIds): Promise<Record<string, number>> {
    const rows = await this.#rows<{ message_id: string }>(
      `SELECT DISTINCT message_id FROM events
       WHERE tenant_id = {tenant:String} AND (anonymous_id IN {anonymousIds:Array(String)}
         OR user_id IN {userIds:Array(String)} OR message_id IN {messageIds:Array(String)})`,
      { tenant: tenantId, ...person },
    )
    const ids = rows.map((row) => row.message_id)
    const erased: Record<string, number> = Object.fromEntries(ERASE_ACTIONS.map(([table]) => [table, 0]))
    for (let start = 0; start < ids.length; start += ERASE_CHUNK_IDS) {
      const params = { tenant: tenantId, ids: ids.slice(start, start + ERASE_CHUNK_IDS) }
      const condition = 'tenant_id = {tenant:String} AND event_id IN {ids:Array(String)}'
      for (const [table, action] of ERASE_ACTIONS) {
        const [row] = await this.#rows<{ count: string | number }>(
          `SELECT count() AS count FROM ${table} WHERE ${condition}`,
          params,
        )
        const count = Number(row?.count ?? 0)
        if (count === 0) continue
        const target = this.#cluster ? `${table}_local ON CLUSTER \`${this.#cluster}\`` : table
        await this.#client.command({
          query: `ALTER TABLE ${target} ${action} WHERE ${condition} SETTINGS mutations_sync = 2`,
          query_params: params,
        })
        erased[table]! += count
      }
    }
    return erased
  }

  /**
   * A page of a tenant's track and page events in `[fromMs, toMs)`, after `after`, in
   * (time, id) order, as `JSONCompactEachRow` lines of {@link EVENT_COLUMNS} (the log's format).
   * `events` limits track calls to those names (undefined: all).
   */
  async readEvents(
    tenantId: string,
    range: {
      fromMs: number
      toMs: number
      after: ReplayPosition | undefined
      events: string[] | undefined
      pageViews: boolean
    },
    limit: number,
  ): Promise<string[]> {
    const result = await this.#client.query({
      query: `SELECT ${EVENT_COLUMNS.join(', ')} FROM events FINAL
        WHERE tenant_id = {tenant:String}
          AND timestamp >= {from:DateTime64(3, 'UTC')} AND timestamp < {to:DateTime64(3, 'UTC')}
          AND ((type = 'track' AND ({allEvents:UInt8} = 1 OR event IN {events:Array(String)}))
               OR (type = 'page' AND {pageViews:UInt8} = 1))
          AND (timestamp, message_id) > ({afterTime:DateTime64(3, 'UTC')}, {afterId:String})
        ORDER BY timestamp, message_id
        LIMIT {limit:UInt32}`,
      query_params: {
        tenant: tenantId,
        from: time(range.fromMs),
        to: time(range.toMs),
        allEvents: range.events ? 0 : 1,
        events: range.events ?? [],
        pageViews: range.pageViews ? 1 : 0,
        afterTime: range.after?.timestamp ?? time(0),
        afterId: range.after?.messageId ?? '',
        limit,
      },
      format: 'JSONCompactEachRow',
    })
    const text = await result.text()
    return text.split('\n').filter((line) => line !== '')
  }
}
