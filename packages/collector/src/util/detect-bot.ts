/**
 * Whether a user agent is a known bot, crawler or monitor (`isbot`: a maintained pattern list,
 * MIT), cached: a site's traffic comes from few distinct user agents.
 */
import { isbot } from 'isbot'
import { LRUCache } from 'lru-cache'

const CACHE_ENTRIES = 2000
const cache = new LRUCache<string, boolean>({ max: CACHE_ENTRIES })

/** The last answer, checked before the LRU: a request's events mostly share their user agent. */
let lastUserAgent: string | undefined
let lastBot = false

/** `isbot(userAgent)`, remembered in an LRU of {@link CACHE_ENTRIES} entries. `''` is not a bot. */
export function detectBot(userAgent: string): boolean {
  if (userAgent === lastUserAgent) return lastBot
  lastUserAgent = userAgent
  lastBot = getBot(userAgent)
  return lastBot
}

function getBot(userAgent: string): boolean {
  const cached = cache.get(userAgent)
  if (cached !== undefined) return cached
  const bot = userAgent !== '' && isbot(userAgent)
  cache.set(userAgent, bot)
  return bot
}
