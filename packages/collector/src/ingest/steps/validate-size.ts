import { MAX_EVENT_BYTES } from '@rastro/schema'
import type { Step } from '../pipeline.js'

/** Rejects an event whose JSON is over 32 KiB (Segment's per-event limit). */
export const validateSize: Step = {
  name: 'validateSize',
  run(draft) {
    const bytes = Buffer.byteLength(JSON.stringify(draft.input) ?? '')
    if (bytes <= MAX_EVENT_BYTES) return undefined
    return {
      code: 'RASTRO_ERR_EVENT_TOO_LARGE',
      message: `event is ${bytes} bytes; the limit is ${MAX_EVENT_BYTES}`,
    }
  },
}
