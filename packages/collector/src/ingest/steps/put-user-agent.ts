import { parseUserAgent } from '../../util/parse-user-agent.js'
import type { Step } from '../pipeline.js'

/**
 * Puts the user agent (`context.userAgent`, else the request's `User-Agent`) and, when the
 * tenant's `enrichment.parseUserAgent` is on, the browser, OS and device type parsed from it.
 */
export const putUserAgent: Step = {
  name: 'putUserAgent',
  run({ event, row, request }) {
    const userAgent = event.context?.userAgent ?? request.userAgent
    row.user_agent = userAgent
    if (!request.site.enrichment.parseUserAgent) return undefined
    const info = parseUserAgent(userAgent)
    row.browser = info.browser
    row.browser_version = info.browserVersion
    row.os = info.os
    row.os_version = info.osVersion
    row.device_type = info.deviceType
    return undefined
  },
}
