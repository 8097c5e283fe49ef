/**
 * Loads a feature chunk of the script-tag build (`rastro-<name>.js`, served next to `rastro.js`)
 * without blocking the page, and hands it this client's plugin api: the chunk calls
 * `window.rastro_<name>(plugin)`. The builds share terser's name cache, so the chunk's mangled
 * private names match the core's.
 */
import type { Plugin } from '../plugin.js'

/** @param base URL of the folder `rastro.js` came from, ending in `/`. */
export function loadChunk(name: string, base: string): Plugin {
  return (api) => {
    const win = api._win as Window & Record<string, unknown>
    const doc = win.document
    win['rastro_' + name] = (plugin: Plugin) => plugin(api)
    const script = doc.createElement('script')
    script.async = true
    script.src = base + 'rastro-' + name + '.js'
    doc.head.appendChild(script)
  }
}
