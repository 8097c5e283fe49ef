import { describe, expect, it } from 'vitest'
import { getCampaign } from '../src/context/get-campaign.js'

describe('getCampaign', () => {
  it('maps utm_* to Segment names', () => {
    expect(
      getCampaign('?utm_source=ig&utm_medium=social&utm_campaign=spring&utm_term=cafe&utm_content=reel&x=1'),
    ).toEqual({ source: 'ig', medium: 'social', name: 'spring', term: 'cafe', content: 'reel' })
  })

  it('decodes values and returns undefined without utm parameters', () => {
    expect(getCampaign('?utm_campaign=caf%C3%A9+de+olla')).toEqual({ name: 'café de olla' })
    expect(getCampaign('?q=1')).toBeUndefined()
    expect(getCampaign('')).toBeUndefined()
  })
})
