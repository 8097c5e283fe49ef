import { anonymiseIp } from '../../util/anonymise-ip.js'
import { rememberLast } from '../../util/remember-last.js'
import type { Step } from '../pipeline.js'

const anonymise = rememberLast(anonymiseIp)

/** Puts the client IP, `context.ip` else the connection's, anonymised before it is stored. */
export const putIp: Step = {
  name: 'putIp',
  run({ event, row, request }) {
    row.ip = anonymise(event.context?.ip ?? request.ip)
    return undefined
  },
}
