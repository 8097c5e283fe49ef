/**
 * The per-event ingest pipeline as data: a list of named steps that validate (`validate*`) or
 * enrich (`put*`) one event. The runner stops an event at its first rejection; the other events
 * of the request go on. (Plausible's ingestion `pipeline()`, shared/STYLE.md habit 2.)
 */
import type { ErrorCode, RastroEvent, RejectedEvent } from '@rastro/schema'
import type { SiteRef } from '../config/key-ring.js'
import type { EventRow } from './event-row.js'

/** What the request tells about every event in it. */
export interface RequestInfo {
  site: SiteRef
  /** Server time the request arrived (epoch ms). */
  receivedAt: number
  /** Batch-level `sentAt` (epoch ms), used when an event has none. */
  sentAt: number | undefined
  /** Connection's client IP (after trusted proxies). */
  ip: string
  /** `User-Agent` header, `''` when absent. */
  userAgent: string
}

/** One event on its way through the steps. */
export interface EventDraft {
  /** The event as sent, with the batch's outer `context`/`integrations` merged in. */
  input: unknown
  /**
   * Set by `validateEnvelope`; every later step may rely on it. It may be `input` itself (the
   * common case) or zod's copy of it.
   */
  event: RastroEvent
  row: EventRow
  request: RequestInfo
  /**
   * JSON text of `input.properties`, `input.traits` and `input.context`, made by `validateSize`
   * for `putPayload` to store as it is. A step that changes one of them updates or deletes its text.
   */
  propertiesJson?: string | undefined
  traitsJson?: string | undefined
  contextJson?: string | undefined
}

/** A step's rejection of its event, with a `RASTRO_ERR_EVENT_*` code. */
export interface Rejection {
  code: Extract<ErrorCode, `RASTRO_ERR_EVENT_${string}`>
  message: string
  field?: string
}

/** A step: returns nothing to go on, or a rejection to stop this event. */
export interface Step {
  name: string
  run(draft: EventDraft): Rejection | undefined
}

/** Accepted rows and rejected events of one request. */
export interface PipelineResult {
  rows: EventRow[]
  rejected: (RejectedEvent & Rejection)[]
}

/**
 * Runs every input through `steps`; never throws for bad input. With `stepMs`, adds each step's
 * time over all the inputs to `stepMs[i]` (ms), for `rastro_ingest_step_seconds{step}`.
 */
export function runPipeline(
  inputs: unknown[],
  request: RequestInfo,
  steps: readonly Step[],
  createRow: (request: RequestInfo) => EventRow,
  stepMs?: Float64Array,
): PipelineResult {
  const rows: EventRow[] = []
  const rejected: PipelineResult['rejected'] = []
  inputs.forEach((input, index) => {
    const draft = { input, request, row: createRow(request) } as EventDraft
    for (let i = 0; i < steps.length; i++) {
      const started = stepMs ? performance.now() : 0
      const rejection = steps[i]!.run(draft)
      if (stepMs) stepMs[i]! += performance.now() - started
      if (rejection) {
        rejected.push({ index, ...rejection })
        return
      }
    }
    rows.push(draft.row)
  })
  return { rows, rejected }
}
