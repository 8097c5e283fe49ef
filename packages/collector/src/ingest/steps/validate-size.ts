import { MAX_EVENT_BYTES } from '@rastro/schema'
import type { EventDraft, Rejection, Step } from '../pipeline.js'

/** Most UTF-8 bytes a character of JSON text takes (one UTF-16 unit: 3 bytes; a pair: 4 for 2). */
const MAX_BYTES_PER_CHARACTER = 3
/** Longest JSON text of a string character: an escape (`\u001f`), 6 ASCII bytes. */
const MAX_BYTES_PER_STRING_CHARACTER = 6
/** Longest JSON text of a number (`-0.0000012345678901234567`). */
const MAX_NUMBER_BYTES = 25

const TOO_DEEP: Rejection = { code: 'RASTRO_ERR_EVENT_INVALID', message: 'event is nested too deeply' }

/** The exact size check: the event's JSON and its UTF-8 bytes. */
function checkExactSize(input: unknown): Rejection | undefined {
  let json: string | undefined
  try {
    json = JSON.stringify(input)
  } catch {
    return TOO_DEEP
  }
  const bytes = Buffer.byteLength(json ?? '')
  if (bytes <= MAX_EVENT_BYTES) return undefined
  return {
    code: 'RASTRO_ERR_EVENT_TOO_LARGE',
    message: `event is ${bytes} bytes; the limit is ${MAX_EVENT_BYTES}`,
  }
}

/**
 * Rejects an event whose JSON is over 32 KiB (Segment's per-event limit), or nested so deep that
 * serialising it overflows the stack (a 500 KiB body can hold ~250k levels).
 *
 * The common event is far below the limit, so it is not serialised whole: its object values
 * (`properties`, `context`, …) are, its other values are bounded by their length, and only an event
 * whose bound passes the limit is measured exactly. The JSON text of `properties`, `traits` and
 * `context` is kept on the draft for `putPayload` (serialising them twice cost ~3.5 µs per event).
 */
export const validateSize: Step = {
  name: 'validateSize',
  run(draft) {
    const input = draft.input
    if (typeof input !== 'object' || input === null || Array.isArray(input)) return checkExactSize(input)
    // `{` and `}`, then per key: `"key":value,` (one comma too many, harmless in a bound).
    let boundBytes = 2
    const fields = input as Record<string, unknown>
    for (const key in fields) {
      const value = fields[key]
      boundBytes += key.length * MAX_BYTES_PER_STRING_CHARACTER + 4
      if (typeof value === 'string') boundBytes += value.length * MAX_BYTES_PER_STRING_CHARACTER + 2
      else if (typeof value === 'number') boundBytes += MAX_NUMBER_BYTES
      else if (typeof value === 'boolean' || value === null) boundBytes += 5
      else if (typeof value === 'object') {
        let json: string
        try {
          json = JSON.stringify(value)
        } catch {
          return TOO_DEEP
        }
        boundBytes += json.length * MAX_BYTES_PER_CHARACTER
        keepJson(draft, key, json)
      } else return checkExactSize(input) // not a JSON value: as JSON.stringify says
    }
    return boundBytes <= MAX_EVENT_BYTES ? undefined : checkExactSize(input)
  },
}

/** Keeps the text of the object values `putPayload` stores. */
function keepJson(draft: EventDraft, key: string, json: string): void {
  if (key === 'properties') draft.propertiesJson = json
  else if (key === 'traits') draft.traitsJson = json
  else if (key === 'context') draft.contextJson = json
}
