/**
 * Automated browsers: WebDriver sets `navigator.webdriver` (https://w3c.github.io/webdriver/#interface),
 * headless Chromium says `HeadlessChrome` in its user agent, and PhantomJS (`callPhantom`) and
 * Cypress leave globals (Plausible's tracker checks the same). Such events are flagged with `context.bot`, not
 * dropped; the collector's analytics leave them out by default.
 */

/** Whether `win` looks automated. */
export function isBot(win: Window): boolean {
  const w = win as Window & { callPhantom?: unknown; Cypress?: unknown }
  return (
    !!(win.navigator.webdriver || w.callPhantom || w.Cypress) ||
    /headless|phantomjs/i.test(win.navigator.userAgent)
  )
}
