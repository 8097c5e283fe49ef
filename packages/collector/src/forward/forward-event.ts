/**
 * An event as forwarding reads it: one `events` row, from a log record or from ClickHouse (both
 * are `JSONCompactEachRow` lines of {@link EVENT_COLUMNS}; the log holds the JSON columns as
 * objects, ClickHouse answers them as text), with its JSON columns parsed and its times in epoch ms. Parsing is split in two so a destination can skip a row after reading only
 * its tenant, type and name ({@link readEventHead}).
 */
import { EVENT_COLUMNS, MIN_EVENT_VALUES } from '../ingest/encode-event-rows.js'

type Column = (typeof EVENT_COLUMNS)[number]
export type JsonRecord = Record<string, unknown>

const INDEX = Object.fromEntries(EVENT_COLUMNS.map((column, index) => [column, index])) as Record<
  Column,
  number
>

/** The columns needed to decide whether a destination wants a row. */
export interface EventHead {
  tenantId: string
  type: string
  /** A track call's name (`''` for other types). */
  event: string
  /** The whole row, in {@link EVENT_COLUMNS} order. */
  values: unknown[]
}

/** A whole row, ready to map. Strings are `''` when unset. */
export interface ForwardEvent {
  tenantId: string
  siteId: string
  /** Rastro's event id: the ledger key and, for most destinations, the id sent for deduplication. */
  messageId: string
  type: string
  event: string
  /** A page call's name. */
  name: string
  anonymousId: string
  userId: string
  sessionId: string
  /** When the event happened (epoch ms, clock-skew corrected). */
  timestampMs: number
  receivedAtMs: number
  url: string
  referrer: string
  title: string
  /** The row's user agent: `context.userAgent`, else the sender's `User-Agent` header. */
  userAgent: string
  /** The anonymised IP the collector stored. */
  ip: string
  locale: string
  browser: string
  browserVersion: string
  os: string
  osVersion: string
  deviceType: string
  /** ISO 3166-1 alpha-2 of the visitor (`ES`: `context.location.country`, else from the IP), `''` when unknown. */
  country: string
  bot: boolean
  properties: JsonRecord
  /** An identify or group call's traits. */
  traits: JsonRecord
  context: JsonRecord
}

/** ClickHouse `DateTime64(3)` text in UTC (`2026-11-22 10:00:00.000`) → epoch ms. */
export function parseClickHouseTime(text: string): number {
  return Date.parse(`${text.replace(' ', 'T')}Z`)
}

/** Tenant of a `JSONCompactEachRow` line without parsing it: the line starts `["<23-char time>","<tenant>",`. */
export function isLineOfTenant(line: string, tenantId: string): boolean {
  // Tenant ids are [a-z0-9_-], so they are written without escapes.
  return line.startsWith(tenantId, 28) && line.startsWith('",', 28 + tenantId.length)
}

/**
 * Parses one `JSONCompactEachRow` line.
 *
 * @returns the head, or undefined when the line is not a JSON array (the ClickHouse writer sets
 *   such records aside; forwarding skips them).
 */
export function readEventHead(line: string): EventHead | undefined {
  let values: unknown
  try {
    values = JSON.parse(line)
  } catch {
    return undefined
  }
  if (!Array.isArray(values) || values.length < MIN_EVENT_VALUES) return undefined
  return {
    tenantId: String(values[INDEX.tenant_id]),
    type: String(values[INDEX.type]),
    event: String(values[INDEX.event] ?? ''),
    values,
  }
}

/**
 * A JSON column: an object in a log record (the log carries `properties`, `traits` and `context`
 * as objects), JSON text when read from ClickHouse.
 */
function parseObject(value: unknown): JsonRecord {
  if (typeof value === 'string' && value !== '') {
    try {
      value = JSON.parse(value)
    } catch {
      return {}
    }
  }
  return asRecord(value)
}

/** The whole event of a row read by {@link readEventHead}. */
export function toForwardEvent(head: EventHead): ForwardEvent {
  const { values } = head
  const text = (column: Column) => {
    const value = values[INDEX[column]]
    return value === null || value === undefined ? '' : String(value)
  }
  return {
    tenantId: head.tenantId,
    siteId: text('site_id'),
    messageId: text('message_id'),
    type: head.type,
    event: head.event,
    name: text('name'),
    anonymousId: text('anonymous_id'),
    userId: text('user_id'),
    sessionId: text('session_id'),
    timestampMs: parseClickHouseTime(text('timestamp')),
    receivedAtMs: parseClickHouseTime(text('received_at')),
    url: text('url'),
    referrer: text('referrer'),
    title: text('title'),
    userAgent: text('user_agent'),
    ip: text('ip'),
    locale: text('locale'),
    browser: text('browser'),
    browserVersion: text('browser_version'),
    os: text('os'),
    osVersion: text('os_version'),
    deviceType: text('device_type'),
    country: text('country'),
    bot: Number(values[INDEX.bot]) === 1,
    properties: parseObject(values[INDEX.properties]),
    traits: parseObject(values[INDEX.traits]),
    context: parseObject(values[INDEX.context]),
  }
}

/** `value` when it is a plain object, else `{}`. */
export function asRecord(value: unknown): JsonRecord {
  return value !== null && typeof value === 'object' && !Array.isArray(value) ? (value as JsonRecord) : {}
}

/** `value` when it is a non-empty string (numbers as text), else undefined. */
export function asText(value: unknown): string | undefined {
  if (typeof value === 'number' && Number.isFinite(value)) return String(value)
  return typeof value === 'string' && value !== '' ? value : undefined
}

/** `value` when it is a finite number (or numeric text), else undefined. */
export function asNumber(value: unknown): number | undefined {
  const number = typeof value === 'string' && value.trim() !== '' ? Number(value) : value
  return typeof number === 'number' && Number.isFinite(number) ? number : undefined
}
