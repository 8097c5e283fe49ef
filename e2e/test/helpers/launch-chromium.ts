/**
 * Launches Debian's Chromium (`apt-get install chromium`) through playwright-core: never a
 * downloaded browser. The flags keep it from calling Google's services, which this network refuses.
 */
import { chromium, type Browser } from 'playwright-core'

export const CHROMIUM_PATH = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium'

export interface LaunchOptions {
  /**
   * Keep Chromium's back/forward cache on. Playwright turns it off by default
   * (`--disable-back-forward-cache`), so pages would never be restored from it on back/forward.
   */
  backForwardCache?: boolean
}

export function launchChromium(options: LaunchOptions = {}): Promise<Browser> {
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
    ],
  })
}
