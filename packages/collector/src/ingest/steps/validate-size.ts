import { MAX_EVENT_BYTES } from '@rastro/schema'
import type { Step } from '../pipeline.js'

/**
 * Rejects an event whose JSON is over 32 KiB (Segment's per-event limit), or nested so deep that
 * serialising it overflows the stack (a 500 KiB body can hold ~250k levels).
 */
export const validateSize: Step = {
  name: 'validateSize',
  run(draft) {
    let json: string | undefined
    try {
      json = JSON.stringify(draft.input)
    } catch {
      return { code: 'RASTRO_ERR_EVENT_INVALID', message: 'event is nested too deeply' }
    }
    const bytes = Buffer.byteLength(json ?? '')
    if (bytes <= MAX_EVENT_BYTES) return undefined
    return {
      code: 'RASTRO_ERR_EVENT_TOO_LARGE',
      message: `event is ${bytes} bytes; the limit is ${MAX_EVENT_BYTES}`,
    }
  },
}
