/**
 * A second web site for the delivery scenarios: plain pages that load the collector's `/rastro.js`
 * with a `<script>` tag and `init` it, served from their own origin (as a shop's pages would be,
 * with the collector on another host). It also serves an "outside" page, without Rastro, on a
 * different origin (`localhost` instead of `127.0.0.1`) for outbound-link clicks.
 *
 * Pages:
 * - `/page.html?flushIntervalMs=…`: Rastro, a link to `/next.html` and an outbound link `#outbound`.
 *   With `&abortFirst=<key>`, the first page rendered for that key sends its events to
 *   `/relay/abort/v1/batch`, where every request fails (the connection is destroyed: a network
 *   error, what `blockedbyclient` looks like to the page); later pages for the key, like everything
 *   else, send to `/relay/pass/v1/batch`, forwarded to the collector. Playwright's `route.abort()`
 *   cannot do this: Chromium's page-hide beacon bypasses request interception, so the first page's
 *   events would still arrive and the scenario would pass without any persistence.
 * - `/next.html`: the same page under another path (a same-site navigation target).
 * - `http://localhost:<port>/outside.html`: no Rastro.
 * Each Rastro page sets `window.__ready` once `init` ran and counts `pageshow` events restored from
 * the back/forward cache in `window.__restored`.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http'
import { getFreePort } from './start-collector.js'

export interface FixtureSite {
  /** `http://127.0.0.1:<port>`: the pages with Rastro. */
  origin: string
  /** `http://localhost:<port>`: the same server under another origin, for outbound links. */
  outsideOrigin: string
  stop(): Promise<void>
}

function renderPage(
  host: string,
  collectorOrigin: string,
  writeKey: string,
  flushIntervalMs: number,
): string {
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Delivery fixture</title><link rel="icon" href="data:,">
<script src="${collectorOrigin}/rastro.js"></script>
<script>
  window.__restored = 0
  addEventListener('pageshow', function (event) { if (event.persisted) window.__restored++ })
  rastro.init({ writeKey: ${JSON.stringify(writeKey)}, host: ${JSON.stringify(host)}, flushIntervalMs: ${flushIntervalMs} })
  window.__ready = true
</script></head>
<body><h1>Delivery fixture</h1>
<p><a id="next" href="/next.html">Next page</a></p>
<p><a id="outbound" href="__OUTSIDE__/outside.html">Somewhere else</a></p>
</body></html>`
}

/** Forwards a batch to the collector and its answer back to the page. */
function relay(request: IncomingMessage, response: ServerResponse, collectorOrigin: string): void {
  const chunks: Buffer[] = []
  request.on('data', (chunk: Buffer) => chunks.push(chunk))
  request.on('end', () => {
    fetch(`${collectorOrigin}/v1/batch`, {
      method: 'POST',
      headers: { 'content-type': request.headers['content-type'] ?? 'text/plain' },
      body: Buffer.concat(chunks),
    }).then(
      async (answer) => {
        response.writeHead(answer.status, { 'content-type': 'application/json' })
        response.end(await answer.text())
      },
      () => request.socket.destroy(),
    )
  })
}

/** Starts the site on a free port; `getCollectorOrigin` is read on every request. */
export async function startFixtureSite(
  getCollectorOrigin: () => string,
  writeKey: string,
): Promise<FixtureSite> {
  const port = await getFreePort()
  const origin = `http://127.0.0.1:${port}`
  const outsideOrigin = `http://localhost:${port}`
  const rendered = new Set<string>()
  const server: Server = createServer((request, response) => {
    const url = new URL(request.url ?? '/', origin)
    if (url.pathname === '/relay/abort/v1/batch') return void request.socket.destroy()
    if (url.pathname === '/relay/pass/v1/batch') return void relay(request, response, getCollectorOrigin())
    const send = (status: number, body: string) => {
      // No cache-control: `no-store` would keep the pages out of the back/forward cache.
      response.writeHead(status, { 'content-type': 'text/html; charset=utf-8' })
      response.end(body)
    }
    if (url.pathname === '/page.html' || url.pathname === '/next.html') {
      const flushIntervalMs = Number(url.searchParams.get('flushIntervalMs')) || 5000
      const abortKey = url.searchParams.get('abortFirst')
      let host = getCollectorOrigin()
      if (abortKey) {
        host = `${origin}/relay/${rendered.has(abortKey) ? 'pass' : 'abort'}`
        rendered.add(abortKey)
      }
      send(
        200,
        renderPage(host, getCollectorOrigin(), writeKey, flushIntervalMs).replace(
          '__OUTSIDE__',
          outsideOrigin,
        ),
      )
    } else if (url.pathname === '/outside.html') {
      send(200, '<!doctype html><title>Outside</title><h1>Another site</h1>')
    } else {
      send(404, 'not found')
    }
  })
  await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve))
  return {
    origin,
    outsideOrigin,
    stop: () => new Promise((resolve) => server.close(() => resolve())),
  }
}
