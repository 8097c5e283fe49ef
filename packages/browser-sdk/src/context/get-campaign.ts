/** `context.campaign` from the `utm_*` query parameters, with Segment's names (`utm_campaign` → `name`). */
import type { CampaignContext } from '@rastro/schema/types'

/** Returns the campaign of a query string (`?utm_source=…`), or `undefined` when it has no `utm_*`. */
export function getCampaign(search: string): CampaignContext | undefined {
  let campaign: Record<string, string> | undefined
  new URLSearchParams(search).forEach((value, key) => {
    if (key.startsWith('utm_')) {
      key = key.slice(4)
      ;(campaign ||= {})[key === 'campaign' ? 'name' : key] = value
    }
  })
  return campaign
}
