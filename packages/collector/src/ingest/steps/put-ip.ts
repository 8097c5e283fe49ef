import { anonymiseIp } from '../../util/anonymise-ip.js'
import type { Step } from '../pipeline.js'

/** Puts the client IP, `context.ip` else the connection's, anonymised before it is stored. */
export const putIp: Step = {
  name: 'putIp',
  run({ event, row, request }) {
    row.ip = anonymiseIp(event.context?.ip ?? request.ip)
    return undefined
  },
}
