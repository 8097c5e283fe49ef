import { validateEvent } from '@rastro/schema'
import type { Step } from '../pipeline.js'

/** Checks the event against the Segment Spec schema of its type (see `@rastro/schema`). */
export const validateEnvelope: Step = {
  name: 'validateEnvelope',
  run(draft) {
    const result = validateEvent(draft.input)
    if (!result.ok)
      return { code: result.code, message: result.message, ...(result.field ? { field: result.field } : {}) }
    draft.event = result.event
    return undefined
  },
}
