import type { TelemetryRow } from '../ingest/device/telemetry-row.js'

/** Column order of the `telemetry` insert. */
export const TELEMETRY_COLUMNS = [
  'tenant_id',
  'device_id',
  'metric',
  'boot_id',
  'seq',
  'timestamp',
  'value',
  'unit',
  'device_time',
  'received_at',
  'time_quality',
  'retention_days',
] as const satisfies readonly (keyof TelemetryRow)[]

// Fails to compile when TelemetryRow gains a field that TELEMETRY_COLUMNS lacks.
const everyColumn: Exclude<keyof TelemetryRow, (typeof TELEMETRY_COLUMNS)[number]> extends never
  ? true
  : never = true
void everyColumn
