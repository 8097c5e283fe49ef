import { validateEvent } from '@rastro/schema'
import type { Step } from '../pipeline.js'
import { isCommonEvent } from './is-common-event.js'

/**
 * Checks the event against the Segment Spec schema of its type (see `@rastro/schema`): by hand
 * for the common shapes ({@link isCommonEvent}; the event is then the input itself), else with
 * zod, whose message and field a rejection carries.
 */
export const validateEnvelope: Step = {
  name: 'validateEnvelope',
  run(draft) {
    if (isCommonEvent(draft.input)) {
      draft.event = draft.input
      return undefined
    }
    const result = validateEvent(draft.input)
    if (!result.ok)
      return { code: result.code, message: result.message, ...(result.field ? { field: result.field } : {}) }
    draft.event = result.event
    return undefined
  },
}
