/**
 * Launches Debian's Chromium (`apt-get install chromium`) through playwright-core: never a
 * downloaded browser. The flags keep it from calling Google's services, which this network refuses.
 */
import { chromium, type Browser } from 'playwright-core'

export const CHROMIUM_PATH = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium'

/** `extraArgs`: more Chromium flags (e.g. `--disable-blink-features=AutomationControlled`). */
export function launchChromium(extraArgs: string[] = []): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM_PATH,
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--no-first-run',
      ...extraArgs,
    ],
  })
}
