/**
 * Validates one event of the envelope and names the offending field, so the collector can
 * reject that event alone (`RASTRO_ERR_EVENT_*`) and keep its neighbours.
 */
import type { ErrorCode } from '../error-codes.js'
import type { RastroEvent } from '../types.js'
import { eventSchemas } from './event-schemas.js'

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

/**
 * Checks `input` against the schema of its `type`, then that it carries an identity
 * (`userId` or `anonymousId`, as Segment requires: its `no_user_anon_id` error).
 * Never throws.
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
  if (!parsed.success) {
    const issue = parsed.error.issues[0]
    const field = issue?.path.map(String).join('.') || undefined
    return {
      ok: false,
      code: 'RASTRO_ERR_EVENT_INVALID',
      message: field ? `${field}: ${issue?.message}` : (issue?.message ?? 'invalid event'),
      ...(field ? { field } : {}),
    }
  }
  const event = parsed.data
  if (!event.userId && !event.anonymousId) {
    return {
      ok: false,
      code: 'RASTRO_ERR_EVENT_NO_IDENTITY',
      message: 'either userId or anonymousId is required',
      field: 'anonymousId',
    }
  }
  return { ok: true, event }
}
