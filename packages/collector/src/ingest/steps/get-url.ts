/**
 * The parsed page URL of `putPage` and `putCampaign`, remembered: a request's events mostly share
 * their page, and `new URL` cost ~0.7 µs per event (measured with `npm run bench:steps`).
 */
import { rememberLast } from '../../util/remember-last.js'

/**
 * `new URL(text)`, or `undefined` when `text` is not an absolute URL. The answer is shared with
 * the next caller of the same text: read it, never change it.
 */
export const getUrl: (text: string) => URL | undefined = rememberLast((text) => {
  try {
    return new URL(text)
  } catch {
    return undefined
  }
})
