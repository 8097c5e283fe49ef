/** The receiving end of `loadChunk`: runs a chunk's plugin with the api the core left for it. */
import type { Plugin } from '../plugin.js'

export function runChunk(name: string, plugin: Plugin): void {
  const run = (window as unknown as Record<string, ((plugin: Plugin) => void) | undefined>)['rastro_' + name]
  try {
    if (run) run(plugin)
  } catch {
    // a failing chunk must not break the page
  }
}
