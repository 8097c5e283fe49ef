/**
 * Runs the example shop backend against a Rastro collector (`npm start` at the repo root serves one
 * on http://localhost:8080 with the demo config). Environment: RASTRO_URL, RASTRO_WRITE_KEY, PORT,
 * TRUST_PROXY (e.g. `1` behind one reverse proxy).
 */
import { Rastro } from '@rastro/node'
import { createApp } from './create-app.js'

const trustProxy = process.env.TRUST_PROXY
const rastro = new Rastro({
  host: process.env.RASTRO_URL ?? 'http://localhost:8080',
  writeKey: process.env.RASTRO_WRITE_KEY ?? 'wk_demo_server',
  // Send each order within a second; the default (10 s) suits high-volume servers better.
  flushInterval: 1_000,
  trustProxy: trustProxy === undefined ? false : /^\d+$/.test(trustProxy) ? Number(trustProxy) : trustProxy,
  onError: (error) => app.log.error({ code: error.code, events: error.events.length }, error.message),
})
const app = createApp({ rastro })

for (const signal of ['SIGINT', 'SIGTERM']) {
  process.once(signal, () => {
    app.close().then(() => process.exit(0))
  })
}

await app.listen({ port: Number(process.env.PORT ?? 3000), host: '127.0.0.1' })
