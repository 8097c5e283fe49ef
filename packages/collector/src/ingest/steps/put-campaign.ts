import type { Step } from '../pipeline.js'

function getSearchParams(url: string): URLSearchParams | undefined {
  if (!url.includes('utm_')) return undefined
  try {
    return new URL(url).searchParams
  } catch {
    return undefined
  }
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
