/**
 * The parsed page URL of `putPage` and `putCampaign`, remembered: a request's events mostly share
 * their page, and `new URL` cost ~0.7 µs per event (measured with `npm run bench:steps`).
 */

let lastText: string | undefined
let lastUrl: URL | undefined

/**
 * `new URL(text)`, or `undefined` when `text` is not an absolute URL. The answer is shared with
 * the next caller of the same text: read it, never change it.
 */
export function getUrl(text: string): URL | undefined {
  if (text === lastText) return lastUrl
  lastText = text
  try {
    lastUrl = new URL(text)
  } catch {
    lastUrl = undefined
  }
  return lastUrl
}
