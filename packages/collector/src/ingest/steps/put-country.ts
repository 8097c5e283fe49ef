import { normalizeCountry } from '../../util/normalize-country.js'
import type { CountryDb } from '../country-db.js'
import type { Step } from '../pipeline.js'

/** `context.location.country` as a server SDK may send it (Segment spec: a name or a code), else `undefined`. */
function getGivenCountry(context: Record<string, unknown> | undefined): string | undefined {
  const location = context?.location
  if (typeof location !== 'object' || location === null) return undefined
  const country = (location as { country?: unknown }).country
  return typeof country === 'string' ? normalizeCountry(country)?.toUpperCase() : undefined
}

/**
 * Puts the visitor's country (ISO 3166-1 alpha-2, `ES`): the sender's `context.location.country`
 * (a code or an English name, https://segment.com/docs/connections/spec/common/#context) when it
 * gives one, else, when the tenant's `enrichment.country` is on, the country of the client IP
 * (`context.ip`, else the connection's after trusted proxies; the same IP `putIp` anonymises, looked
 * up whole before that). `''` for special-purpose IPs (private, loopback…) and unknown ones, and
 * when no database was loaded (`countries` undefined: no tenant has `enrichment.country` on).
 */
export function createPutCountry(countries: CountryDb | undefined): Step {
  return {
    name: 'putCountry',
    run({ event, row, request }) {
      const given = getGivenCountry(event.context)
      if (given !== undefined) row.country = given
      else if (countries && request.site.enrichment.country)
        row.country = countries.getCountry(event.context?.ip ?? request.ip)
      return undefined
    },
  }
}
