import { anonymiseIp } from '../../util/anonymise-ip.js'
import { rememberLast } from '../../util/remember-last.js'
import type { Step } from '../pipeline.js'

const anonymise = rememberLast(anonymiseIp)

/**
 * Puts the client IP, `context.ip` else the connection's, anonymised before it is stored; a
 * `context.ip` the sender gave (a server relaying its visitor's) is anonymised in the stored
 * context too, so the full address is kept nowhere.
 */
export const putIp: Step = {
  name: 'putIp',
  run(draft) {
    const { event, row, request } = draft
    const context = event.context
    row.ip = anonymise(context?.ip ?? request.ip)
    if (context?.ip !== undefined && context.ip !== row.ip) {
      context.ip = row.ip
      // The context changed: `putPayload` serialises it again instead of the text kept by `validateSize`.
      draft.contextJson = undefined
    }
    return undefined
  },
}
