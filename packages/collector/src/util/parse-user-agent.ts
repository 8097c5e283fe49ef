/**
 * User-agent parsing with `ua-parser-js` 1.x (MIT; 2.x is AGPL-3.0), cached: a site's traffic
 * comes from few distinct user agents, and parsing is the costliest enrichment step.
 */
import UAParser from 'ua-parser-js'
import { LRUCache } from 'lru-cache'
import { rememberLast } from './remember-last.js'

/** Browser, OS and device class of a user agent. Empty strings when unknown. */
export interface UserAgentInfo {
  browser: string
  /** Major version only, e.g. `131`. */
  browserVersion: string
  os: string
  osVersion: string
  /** `desktop`, `mobile`, `tablet`, `smarttv`, `console`, `wearable`, `embedded`, or `''` for no user agent. */
  deviceType: string
}

const CACHE_ENTRIES = 2000
const cache = new LRUCache<string, UserAgentInfo>({ max: CACHE_ENTRIES })

/** Parses `userAgent`; results are kept in an LRU of {@link CACHE_ENTRIES} entries behind the last answer. */
export const parseUserAgent: (userAgent: string) => UserAgentInfo = rememberLast(getInfo)

function getInfo(userAgent: string): UserAgentInfo {
  const cached = cache.get(userAgent)
  if (cached) return cached
  const result = new UAParser(userAgent).getResult()
  const info: UserAgentInfo = {
    browser: result.browser.name ?? '',
    browserVersion: result.browser.major ?? '',
    os: result.os.name ?? '',
    osVersion: result.os.version ?? '',
    deviceType: userAgent === '' ? '' : (result.device.type ?? 'desktop'),
  }
  cache.set(userAgent, info)
  return info
}
