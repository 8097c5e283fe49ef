import { parseUserAgent } from '../../util/parse-user-agent.js'
import type { Step } from '../pipeline.js'

/** Puts browser, OS and device type from `context.userAgent`, else the request's `User-Agent`. */
export const putUserAgent: Step = {
  name: 'putUserAgent',
  run({ event, row, request }) {
    const userAgent = event.context?.userAgent ?? request.userAgent
    const info = parseUserAgent(userAgent)
    row.user_agent = userAgent
    row.browser = info.browser
    row.browser_version = info.browserVersion
    row.os = info.os
    row.os_version = info.osVersion
    row.device_type = info.deviceType
    return undefined
  },
}
