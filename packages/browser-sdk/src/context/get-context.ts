/**
 * The page-dependent part of every event's `context`: library, page, locale, screen and timezone.
 * No `userAgent` and no `ip`: the collector reads both from the request. The client adds the
 * session, campaign, consent and bot fields.
 */
import type { EventContext } from '@rastro/schema/types'
import { version } from '../version.js'
import { getPage } from './get-page.js'

/** Builds the context of an event sent now from `win`. */
export function getContext(win: Window, referrer: string): EventContext {
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
    locale: navigator.language,
    screen: screen && { width: screen.width, height: screen.height, density: win.devicePixelRatio },
    timezone,
  }
}
