/**
 * Validates one event of the envelope and names the offending field, so the collector can
 * reject that event alone (`RASTRO_ERR_EVENT_*`) and keep its neighbours.
 */
import type { ErrorCode } from '../error-codes.js'
import { HEATMAP_EVENT } from '../event-names.js'
import type { RastroEvent } from '../types.js'
import { eventSchemas } from './event-schemas.js'
import { heatmapPropertiesSchema } from './heatmap-schema.js'

/** Outcome of {@link validateEvent}. */
export type EventValidation =
  | { ok: true; event: RastroEvent }
  | {
      ok: false
      code: Extract<ErrorCode, 'RASTRO_ERR_EVENT_INVALID' | 'RASTRO_ERR_EVENT_NO_IDENTITY'>
      message: string
      /** Dotted path inside the event, e.g. `properties` or `context.page.url`; absent for the event itself. */
      field?: string
    }

const TYPES = Object.keys(eventSchemas).join(', ')

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
}

/** The first issue of a failed parse as a rejection, its path under `prefix`. */
function toInvalid(
  issues: readonly { path: PropertyKey[]; message: string; code?: string }[],
  prefix: string[] = [],
): EventValidation {
  const issue = issues[0]
  const field = [...prefix, ...(issue?.path.map(String) ?? [])].join('.') || undefined
  // zod words a missing field "Invalid input: expected string, received undefined".
  const text =
    issue?.code === 'invalid_type' && issue.message.endsWith('received undefined')
      ? 'required'
      : issue?.message
  return {
    ok: false,
    code: 'RASTRO_ERR_EVENT_INVALID',
    message: field ? `${field}: ${text}` : (text ?? 'invalid event'),
    ...(field ? { field } : {}),
  }
}

/**
 * Checks `input` against the schema of its `type` (and a `$heatmap` event's points against
 * {@link heatmapPropertiesSchema}), then that it carries an identity (`userId` or `anonymousId`,
 * as Segment requires: its `no_user_anon_id` error) unless it is cookieless
 * (`context.cookieless: true`: the collector derives the visitor). Never throws.
 *
 * @returns the typed event, or the error code, a message and the field to blame.
 */
export function validateEvent(input: unknown): EventValidation {
  if (!isObject(input)) {
    return { ok: false, code: 'RASTRO_ERR_EVENT_INVALID', message: 'event must be a JSON object' }
  }
  const type = input.type
  const schema = typeof type === 'string' ? eventSchemas[type as keyof typeof eventSchemas] : undefined
  if (!schema || !Object.hasOwn(eventSchemas, type as string)) {
    return {
      ok: false,
      code: 'RASTRO_ERR_EVENT_INVALID',
      message: `type must be one of ${TYPES}`,
      field: 'type',
    }
  }
  const parsed = schema.safeParse(input)
  if (!parsed.success) return toInvalid(parsed.error.issues)
  const event = parsed.data
  if (event.type === 'track' && event.event === HEATMAP_EVENT) {
    const points = heatmapPropertiesSchema.safeParse(event.properties ?? {})
    if (!points.success) return toInvalid(points.error.issues, ['properties'])
  }
  if (!event.userId && !event.anonymousId && event.context?.cookieless !== true) {
    return {
      ok: false,
      code: 'RASTRO_ERR_EVENT_NO_IDENTITY',
      message: 'either userId or anonymousId is required',
      field: 'anonymousId',
    }
  }
  return { ok: true, event }
}
