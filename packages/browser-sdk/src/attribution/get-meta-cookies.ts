/**
 * Meta's browser ids, built when absent as Meta's Pixel and parameter builder do
 * (https://developers.facebook.com/docs/marketing-api/conversions-api/parameters/fbp-and-fbc,
 * facebook/capi-param-builder client_js/shared/model/constants.js):
 * - `_fbc` = `fb.1.<creation ms>.<fbclid>`, rewritten when the landing URL has a new `fbclid` (the
 *   cookie's fourth part: Meta's parameter builder may add a fifth, `….<fbclid>.AQEAAQMB`);
 * - `_fbp` = `fb.1.<creation ms>.<random int>`.
 * Both are 90-day first-party cookies. `1` is the subdomain index Meta uses for a site's cookies.
 * Only called with marketing consent.
 */
import type { Store } from '../storage/store.js'

/** Lifetime of `_fbc` and `_fbp`: 90 days (ms), as Meta's Pixel sets them. */
export const META_COOKIE_MAX_AGE_MS = 90 * 24 * 3600 * 1000

/** Meta's ids to send in `context.fbc`/`context.fbp`; the collector forwards them to the Conversions API. */
export interface MetaIds {
  fbc?: string
  fbp?: string
}

/**
 * Reads `_fbc`/`_fbp` from `cookies`, writing the missing ones: `_fbc` only when `fbclid` (from
 * the landing URL) is given and differs from the stored one.
 */
export function getMetaCookies(
  cookies: Store,
  fbclid: string | undefined,
  nowMs: number,
  random: () => number,
): MetaIds {
  let fbc = cookies.get('_fbc') || undefined
  let fbp = cookies.get('_fbp') || undefined
  if (fbclid && (!fbc || fbc.split('.')[3] !== fbclid))
    cookies.set('_fbc', (fbc = 'fb.1.' + nowMs + '.' + fbclid), META_COOKIE_MAX_AGE_MS)
  if (!fbp)
    cookies.set(
      '_fbp',
      (fbp = 'fb.1.' + nowMs + '.' + Math.floor(random() * 2147483647)),
      META_COOKIE_MAX_AGE_MS,
    )
  return { fbc, fbp }
}
