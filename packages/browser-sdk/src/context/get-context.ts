/**
 * `context` of every event: library, page, campaign, locale, screen, timezone and session id.
 * No `userAgent` and no `ip`: the collector reads both from the request.
 */
import type { EventContext } from '@rastro/schema/types'
import { version } from '../version.js'
import { getCampaign } from './get-campaign.js'
import { getPage } from './get-page.js'

/** Builds the context of an event sent now from `win`. */
export function getContext(win: Window, referrer: string, sessionId: string): EventContext {
  const page = getPage(win, referrer)
  const { screen, navigator } = win
  let timezone: string | undefined
  try {
    timezone = Intl.DateTimeFormat().resolvedOptions().timeZone
  } catch {
    // very old engines: no timezone
  }
  return {
    library: { name: '@rastro/browser', version },
    page,
    campaign: getCampaign(page.search),
    locale: navigator.language,
    screen: screen && { width: screen.width, height: screen.height, density: win.devicePixelRatio },
    timezone,
    sessionId,
  }
}
