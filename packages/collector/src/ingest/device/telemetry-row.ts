/**
 * One row of the `telemetry` table (a device reading) and the sink that stores them. Times are
 * ClickHouse `DateTime64(3)` text in UTC, as in `EventRow`.
 */

/** How `timestamp` was found: from the device's uptime at send, or from the receipt alone. */
export type TimeQuality = 'uptime' | 'received'

export interface TelemetryRow {
  tenant_id: string
  /** Device id, lower-case hex. */
  device_id: string
  metric: string
  boot_id: number
  seq: number
  /** When the reading was taken: receipt time less the device's uptime since. */
  timestamp: string
  value: number
  unit: string
  /** The device's own clock for the reading, when it had one and it was plausible; else null. */
  device_time: string | null
  received_at: string
  time_quality: TimeQuality
  retention_days: number
}

/** Where readings go; `write` resolves once they are durably stored (like `EventSink`). */
export interface TelemetrySink {
  write(rows: TelemetryRow[]): Promise<void>
  close(): Promise<void>
}
