/**
 * The browser's privacy signals: Global Privacy Control (`navigator.globalPrivacyControl`,
 * https://privacycg.github.io/gpc-spec/) and Do Not Track (`navigator.doNotTrack == '1'`,
 * https://www.w3.org/TR/tracking-dnt/). Both ask sites not to sell or share the visitor's data
 * with third parties; first-party measurement stays allowed (GPC §3, DNT §2 "first party"), so
 * the SDK reads them as "no marketing" by default.
 */

/** Whether the visitor's browser sends GPC or DNT. */
export function getPrivacySignal(win: Window): boolean {
  const nav = win.navigator as Navigator & { globalPrivacyControl?: boolean }
  return nav.globalPrivacyControl === true || nav.doNotTrack == '1'
}
