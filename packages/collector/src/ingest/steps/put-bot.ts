import { detectBot } from '../../util/detect-bot.js'
import type { Step } from '../pipeline.js'

/** A browser's user agent starts with `Mozilla/`; server SDKs, curl and the like send their own name. */
const BROWSER_LIKE = /^Mozilla\//

/**
 * Flags automated traffic: the client's own `context.bot` (e.g. `navigator.webdriver`), or, when
 * the tenant's `enrichment.detectBots` is on, a user agent that `isbot` knows. The user agent
 * judged is the visitor's: `context.userAgent`, else the request's only when it looks like a
 * browser's, because a server SDK (`analytics-node`, `undici`) sends events on behalf of
 * visitors with its own name, which `isbot` rightly calls a bot. Flagged events are stored and
 * left out of counts unless asked for.
 */
export const putBot: Step = {
  name: 'putBot',
  run({ event, row, request }) {
    let bot = event.context?.bot === true
    if (!bot && request.site.enrichment.detectBots) {
      const userAgent =
        event.context?.userAgent ?? (BROWSER_LIKE.test(request.userAgent) ? request.userAgent : '')
      bot = detectBot(userAgent)
    }
    row.bot = bot ? 1 : 0
    return undefined
  },
}
