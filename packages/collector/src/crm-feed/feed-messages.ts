/**
 * The messages between the collector's main thread and its CRM feed worker (`feed-worker.ts`).
 * Only structured-cloneable data: bytes travel as `Uint8Array`, errors as their fields.
 */
import type { ClickHouseSettings, InsertResult, ResponseHeaders } from '@clickhouse/client'

/** What the worker starts with (its `workerData`). */
export interface FeedWorkerData {
  /** A ClickHouse server for the worker to open itself; undefined: the main thread's embedded engine. */
  server: { url: string; username?: string; password?: string; database?: string } | undefined
  insertSettings: ClickHouseSettings | undefined
  cluster: string | undefined
  /** Days the CRM keeps its audit log and event links, per tenant id. */
  retentionDays: Record<string, number>
  /** Message ids the feed remembers to skip redeliveries (undefined: the CRM's default). */
  recentIdsLimit: number | undefined
  /** The CRM's version clock, shared with the main thread (`getVersionClock`). */
  versionClock: SharedArrayBuffer
}

/** The parameters of a ClickHouse call that cross threads (no signal, no stream). */
export interface DbParams {
  query: string
  clickhouse_settings?: ClickHouseSettings
  query_params?: Record<string, unknown>
  query_id?: string
  session_id?: string
}

export type DbMethod = 'query' | 'exec' | 'insert' | 'command'

/** A ClickHouse call's answer, without its body (`bytes`). */
export interface DbResult {
  query_id: string
  response_headers: ResponseHeaders
  http_status_code?: number
  summary?: InsertResult['summary']
}

/** A ClickHouse error's fields (`ClickHouseError`). */
export interface DbError {
  message: string
  code?: string
  type?: string
}

/** From the worker to the main thread. */
export type ToMain =
  /** Run `method` on the embedded engine; `body` is an insert's data. */
  | { type: 'db'; id: number; method: DbMethod; params: DbParams; body?: Uint8Array }
  /** Take tenant `tenantId`'s single writer; answered with `locked` once it is held. */
  | { type: 'lock'; id: number; tenantId: string }
  | { type: 'unlock'; id: number }
  /** The `events` message `id` is handled (`error`: it failed). */
  | { type: 'handled'; id: number; error?: string }
  /** Answers `whenIdle` `id`: the batches before it are handled and their webhook deliveries done. */
  | { type: 'idle'; id: number }
  | { type: 'log'; level: 'warn' | 'error'; object: object; message: string }

/** From the main thread to the worker. */
export type ToWorker =
  /**
   * The payloads of a batch of log records (`events` rows, as encodeEventRows wrote them), whose
   * memory moves to the worker (transferred, not copied).
   */
  | { type: 'events'; id: number; payloads: Uint8Array[] }
  | { type: 'db'; id: number; result: DbResult; bytes: Uint8Array }
  | { type: 'db'; id: number; error: DbError }
  | { type: 'locked'; id: number }
  /** Answer with `idle` once the batches handed over and their webhook deliveries are done. */
  | { type: 'whenIdle'; id: number }
  /** Finish: give up webhook retries, await deliveries in flight, then exit. */
  | { type: 'close' }
