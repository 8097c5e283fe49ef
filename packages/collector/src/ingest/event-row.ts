/**
 * The enriched, flattened event that ingest hands to its sink: one row of the `events` table.
 * Times are ClickHouse `DateTime64(3)` text in UTC (`2026-11-22 10:00:00.000`).
 */
import type { EventType } from '@rastro/schema'

export interface EventRow {
  tenant_id: string
  site_id: string
  message_id: string
  type: EventType
  /** Name of a track call; `''` for other types. */
  event: string
  /** Name of a page or screen call. */
  name: string
  anonymous_id: string
  user_id: string
  session_id: string
  /** When the event happened, corrected for client clock skew. */
  timestamp: string
  /** The client's own `timestamp`, uncorrected. */
  original_timestamp: string | null
  sent_at: string | null
  received_at: string
  url: string
  path: string
  referrer: string
  title: string
  utm_source: string
  utm_medium: string
  utm_campaign: string
  utm_term: string
  utm_content: string
  browser: string
  browser_version: string
  os: string
  os_version: string
  device_type: string
  user_agent: string
  /** Anonymised client IP (IPv4 /24, IPv6 /48). */
  ip: string
  library_name: string
  library_version: string
  locale: string
  /** Smart-event relevance score 1-10, 0 when the client sent none. */
  score: number
  engagement: string
  bot: 0 | 1
  /** JSON object text (always an object: the log carries it as one). */
  properties: string
  /** JSON object text. */
  traits: string
  /** JSON object text of the whole (merged) `context`. */
  context: string
  retention_days: number
  /** ISO 3166-1 alpha-2 country of the visitor (`ES`), `''` when unknown. */
  country: string
}

/** Where ingest hands accepted rows. */
export interface EventSink {
  /**
   * Resolves once the rows are durably stored, so the request can be acknowledged; rejects
   * when they could not be (the request then answers 503 and the client retries).
   */
  write(rows: EventRow[]): Promise<void>
  /**
   * Throws the sink's 503 answer when a write would be refused now (log full, disk full), so a
   * request is refused before its events are parsed. Optional.
   */
  check?(): void
  /** Stores what is pending, then stops. */
  close(): Promise<void>
}

export { toClickHouseTime } from './to-clickhouse-time.js'
