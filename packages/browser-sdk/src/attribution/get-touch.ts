/**
 * A marketing touch: what brought the visitor to this page load. UTM parameters (named as
 * Segment names them in `context.campaign`: `utm_campaign` → `name`, `utm_source` → `source`…),
 * the ad platforms' click ids, and an external referrer. A page with none of them (direct, or a
 * link within the site) is not a touch.
 */
import type { CampaignContext } from '@rastro/schema/types'

/**
 * Click ids of the ad platforms: Google Ads (`gclid`; `gbraid`/`wbraid` for iOS app and web
 * campaigns), Meta (`fbclid`), Microsoft Ads (`msclkid`), TikTok (`ttclid`).
 */
export const CLICK_IDS = ['gclid', 'gbraid', 'wbraid', 'fbclid', 'msclkid', 'ttclid'] as const

/** A touch, as sent in `context.campaign` (last touch) and `context.firstTouch`. */
export interface Touch extends CampaignContext {
  gclid?: string
  gbraid?: string
  wbraid?: string
  fbclid?: string
  msclkid?: string
  ttclid?: string
  /** The referring URL, when it is another site. */
  referrer?: string
  /** Any other `utm_*` parameter, without its prefix (e.g. `id` for `utm_id`). */
  [key: string]: string | undefined
}

/** Reads the touch of a page from its URL and referrer, or `undefined` when there is none. */
export function getTouch(url: string, referrer: string): Touch | undefined {
  let touch: Touch | undefined
  const page = new URL(url)
  page.searchParams.forEach((value, key) => {
    if (key.startsWith('utm_')) (touch ||= {})[key == 'utm_campaign' ? 'name' : key.slice(4)] = value
    else if ((CLICK_IDS as readonly string[]).includes(key)) (touch ||= {})[key] = value
  })
  try {
    if (referrer && new URL(referrer).hostname != page.hostname) (touch ||= {}).referrer = referrer
  } catch {
    // not a URL: no referrer touch
  }
  return touch
}

/** Whether a touch carries a campaign (UTM or click id), not only a referrer. */
export function isCampaign(touch: Touch | undefined): boolean {
  return !!touch && Object.keys(touch).some((key) => key != 'referrer')
}
