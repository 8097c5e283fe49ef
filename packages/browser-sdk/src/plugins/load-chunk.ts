/**
 * Loads a feature chunk of the script-tag build (`rastro-<name>.js`, served next to `rastro.js`)
 * without blocking the page, and hands it this client's plugin api: the chunk calls
 * `window.rastro_<name>(plugin)`. The builds share terser's name cache, so the chunk's mangled
 * private names match the core's. Loading is a request to the collector, so it waits for
 * analytics consent: it is tried at start, on every event, and after each consent choice.
 */
import type { Plugin } from '../plugin.js'

/** Loaders still waiting for consent. */
const waiting = new Set<() => void>()

/** Loads the chunks that were waiting, if consent now allows (call after a consent choice). */
export function loadAllowedChunks(): void {
  waiting.forEach((load) => load())
}

/** @param base URL of the folder `rastro.js` came from, ending in `/`. */
export function loadChunk(name: string, base: string): Plugin {
  return (api) => {
    const win = api._win as Window & Record<string, unknown>
    const doc = win.document
    const load = () => {
      if (!waiting.has(load) || !api._allowed()) return
      waiting.delete(load)
      win['rastro_' + name] = (plugin: Plugin) => plugin(api)
      const script = doc.createElement('script')
      script.async = true
      script.src = base + 'rastro-' + name + '.js'
      doc.head.appendChild(script)
    }
    waiting.add(load)
    load()
    api._use(load)
  }
}
