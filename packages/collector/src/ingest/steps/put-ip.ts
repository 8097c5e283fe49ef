import { anonymiseIp } from '../../util/anonymise-ip.js'
import type { Step } from '../pipeline.js'

/** The last IP anonymised and its answer: a request's events mostly share their IP. */
let lastIp: string | undefined
let lastAnonymised = ''

/** Puts the client IP, `context.ip` else the connection's, anonymised before it is stored. */
export const putIp: Step = {
  name: 'putIp',
  run({ event, row, request }) {
    const ip = event.context?.ip ?? request.ip
    if (ip !== lastIp) {
      lastIp = ip
      lastAnonymised = anonymiseIp(ip)
    }
    row.ip = lastAnonymised
    return undefined
  },
}
