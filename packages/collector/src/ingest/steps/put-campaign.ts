import type { Step } from '../pipeline.js'
import { getUrl } from './get-url.js'

function getSearchParams(url: string): URLSearchParams | undefined {
  return url.includes('utm_') ? getUrl(url)?.searchParams : undefined
}

/** Puts the UTM fields from `context.campaign` (Segment's names), else from the page URL's `utm_*`. */
export const putCampaign: Step = {
  name: 'putCampaign',
  run({ event, row }) {
    const campaign = event.context?.campaign ?? {}
    const params = getSearchParams(row.url)
    row.utm_source = campaign.source ?? params?.get('utm_source') ?? ''
    row.utm_medium = campaign.medium ?? params?.get('utm_medium') ?? ''
    row.utm_campaign = campaign.name ?? params?.get('utm_campaign') ?? ''
    row.utm_term = campaign.term ?? params?.get('utm_term') ?? ''
    row.utm_content = campaign.content ?? params?.get('utm_content') ?? ''
    return undefined
  },
}
