/**
 * Whether a user agent is a known bot, crawler or monitor (`isbot`: a maintained pattern list,
 * MIT), cached: a site's traffic comes from few distinct user agents.
 */
import { isbot } from 'isbot'
import { LRUCache } from 'lru-cache'
import { rememberLast } from './remember-last.js'

const CACHE_ENTRIES = 2000
const cache = new LRUCache<string, boolean>({ max: CACHE_ENTRIES })

/**
 * `isbot(userAgent)`, remembered in an LRU of {@link CACHE_ENTRIES} entries behind the last answer.
 * `''` is not a bot.
 */
export const detectBot: (userAgent: string) => boolean = rememberLast(getBot)

function getBot(userAgent: string): boolean {
  const cached = cache.get(userAgent)
  if (cached !== undefined) return cached
  const bot = userAgent !== '' && isbot(userAgent)
  cache.set(userAgent, bot)
  return bot
}
