/**
 * Launches Debian's Chromium (`apt-get install chromium`) through playwright-core: never a
 * downloaded browser. The flags keep it from calling Google's services, which this network refuses.
 *
 * By default the browser looks like a person's: the browser SDK flags automated browsers
 * (`navigator.webdriver`, a `HeadlessChrome` user agent) as bots, and the stats and the CRM leave
 * bot traffic out. So `navigator.webdriver` is turned off and the user agent is the headed one
 * of the same version. `{ automated: true }` keeps both signals, to test the bot flag itself.
 */
import { execFileSync } from 'node:child_process'
import { chromium, type Browser } from 'playwright-core'

export const CHROMIUM_PATH = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium'

export interface LaunchOptions {
  /** Keep the automation signals (`navigator.webdriver`, `HeadlessChrome`), to test the bot flag. */
  automated?: boolean
  /**
   * Keep Chromium's back/forward cache on. Playwright turns it off by default
   * (`--disable-back-forward-cache`), so pages would never be restored from it on back/forward.
   */
  backForwardCache?: boolean
}

/** The user agent of a headed Chromium of the installed version on Linux. */
function getHeadedUserAgent(): string {
  const version = /\d+(\.\d+)+/.exec(
    execFileSync(CHROMIUM_PATH, ['--version'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }),
  )?.[0]
  return `Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/${version ?? '140.0.0.0'} Safari/537.36`
}

export function launchChromium(options: LaunchOptions = {}): Promise<Browser> {
  const human = options.automated
    ? []
    : ['--disable-blink-features=AutomationControlled', `--user-agent=${getHeadedUserAgent()}`]
  return chromium.launch({
    executablePath: CHROMIUM_PATH,
    ...(options.backForwardCache ? { ignoreDefaultArgs: ['--disable-back-forward-cache'] } : {}),
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--no-first-run',
      ...human,
    ],
  })
}

/**
 * Closes `browser`, giving up after `timeoutMs` with a warning on stderr: a Chromium that does not
 * answer its close is not the collector's fault, and playwright kills it when the test process exits.
 * On one CI run an e2e file's `afterAll` (the browser's close, then the collector's stop) outlived
 * its 60 s; bounding this step tells the two apart.
 */
export async function closeBrowser(browser: Browser | undefined, timeoutMs = 15_000): Promise<void> {
  if (!browser) return
  let timer: NodeJS.Timeout | undefined
  const closed = await Promise.race([
    browser.close().then(() => true),
    new Promise<false>((resolve) => (timer = setTimeout(() => resolve(false), timeoutMs))),
  ])
  clearTimeout(timer)
  if (!closed)
    console.warn(`Chromium did not close within ${timeoutMs} ms; left to playwright's exit handler`)
}
