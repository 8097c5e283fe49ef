/**
 * The `<script>` build (`dist/rastro.js`): puts a client on `window.rastro` and replays the calls
 * the loader snippet queued (`window.rastro.q`), `init` first, resolving the snippet's promises
 * with the results. The stub object itself becomes the client, so references to it stay valid.
 * Loading the script twice keeps the first client.
 */
import { createRastro } from './create-rastro.js'
import type { Rastro } from './types.js'

/** A call queued by the snippet: method, arguments and the resolver of the promise it returned. */
type QueuedCall = [keyof Rastro, unknown[], ((value: unknown) => void)?]

const w = window as unknown as { rastro?: Partial<Rastro> & { q?: QueuedCall[] } }
const stub = w.rastro
if (!stub || stub.q) {
  const queued = (stub && stub.q) || []
  // Upgrade the stub in place, so references the page took to it (`const r = window.rastro`) work.
  const rastro = Object.assign(stub || {}, createRastro())
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
