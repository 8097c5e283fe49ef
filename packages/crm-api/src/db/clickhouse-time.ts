/** Conversions between JS times and ClickHouse `DateTime64(3, 'UTC')` text. */

/** Epoch ms → `2026-11-22 10:00:00.000` (UTC). */
export function toClickHouseTime(ms: number): string {
  return new Date(ms).toISOString().slice(0, 23).replace('T', ' ')
}

/** `2026-11-22 10:00:00.000` (UTC) → ISO 8601 `2026-11-22T10:00:00.000Z`. */
export function toIsoTime(clickHouseTime: string): string {
  return `${clickHouseTime.replace(' ', 'T')}${clickHouseTime.length === 19 ? '.000' : ''}Z`
}

/** `2026-11-22 10:00:00.000` (UTC) → epoch ms. */
export function toEpochMs(clickHouseTime: string): number {
  return Date.parse(toIsoTime(clickHouseTime))
}

/**
 * A number from a ClickHouse JSON value: 64-bit integers arrive as strings from a server (and
 * from the collector's embedded connection), as numbers from others.
 */
export function toNumber(value: unknown): number {
  return typeof value === 'number' ? value : Number(value ?? 0)
}
