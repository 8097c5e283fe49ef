import { detectBot } from '../../util/detect-bot.js'
import type { Step } from '../pipeline.js'

/**
 * Flags automated traffic: the client's own `context.bot` (e.g. `navigator.webdriver`), or, when
 * the tenant's `enrichment.detectBots` is on, a user agent `isbot` knows. Flagged events are
 * stored, and left out of counts unless asked for.
 */
export const putBot: Step = {
  name: 'putBot',
  run({ event, row, request }) {
    const bot =
      event.context?.bot === true ||
      (request.site.enrichment.detectBots && detectBot(event.context?.userAgent ?? request.userAgent))
    row.bot = bot ? 1 : 0
    return undefined
  },
}
