/**
 * The `<script>` build (`dist/rastro.js`): puts a client on `window.rastro` and replays the calls
 * the loader snippet queued (`window.rastro.q`), `init` first, resolving the snippet's promises
 * with the results. The stub object itself becomes the client, so references to it stay valid.
 * Loading the script twice keeps the first client. `init` adds the default plugins (smart events,
 * conversion rules, engagement, autocapture, and the vitals and heatmap chunks) unless its options
 * switch them off.
 */
import { createRastro } from './create-rastro.js'
import { getDefaultPlugins, type ScriptOptions } from './plugins/get-default-plugins.js'
import { loadAllowedChunks } from './plugins/load-chunk.js'
import type { Rastro, RastroOptions } from './types.js'

/** A call queued by the snippet: method, arguments and the resolver of the promise it returned. */
type QueuedCall = [keyof Rastro, unknown[], ((value: unknown) => void)?]

const w = window as unknown as { rastro?: Partial<Rastro> & { q?: QueuedCall[] } }
const stub = w.rastro
if (!stub || stub.q) {
  const queued = (stub && stub.q) || []
  // Upgrade the stub in place, so references the page took to it (`const r = window.rastro`) work.
  const client = createRastro()
  const init = client.init
  // The chunks live next to this script (read now: `currentScript` is only set while it runs).
  const script = window.document.currentScript as HTMLScriptElement | null
  const base = script && script.src ? script.src.replace(/[^/]*$/, '') : ''
  client.init = (options: RastroOptions & ScriptOptions) =>
    init(options && { ...options, plugins: getDefaultPlugins(options, base).concat(options.plugins || []) })
  const setConsent = client.consent
  // Chunks wait for analytics consent: load them as soon as it is given.
  const consent = (choice: Parameters<typeof setConsent>[0]) => {
    const prefs = setConsent(choice)
    loadAllowedChunks()
    return prefs
  }
  client.consent = Object.assign(consent, { set: consent })
  const rastro = Object.assign(stub || {}, client)
  delete rastro.q
  w.rastro = rastro
  const isInit = (call: QueuedCall) => call[0] == 'init'
  for (const [method, args, resolve] of queued
    .filter(isInit)
    .concat(queued.filter((call) => !isInit(call)))) {
    try {
      const fn = rastro[method] as (...a: unknown[]) => unknown
      const value = typeof fn == 'function' ? fn(...args) : undefined
      if (resolve) resolve(value)
    } catch {
      // a bad queued call must not stop the others
    }
  }
}
