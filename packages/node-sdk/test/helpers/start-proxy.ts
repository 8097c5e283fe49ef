/**
 * A recording HTTP proxy in front of the collector. It can be stopped and started again on the
 * same port (a collector that is down, then up), answer the next requests itself (429, 503…), or
 * refuse bodies over a size (a proxy with a smaller limit). It reads every request's events, so a
 * test can check that each messageId was acknowledged exactly once.
 */
import { createServer, request, type IncomingHttpHeaders, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { gunzipSync } from 'node:zlib'

export interface ProxiedRequest {
  /** When the request arrived (epoch ms). */
  at: number
  status: number
  contentEncoding: string | undefined
  messageIds: string[]
}

export interface Proxy {
  url: string
  requests: ProxiedRequest[]
  /** Answer the next `count` requests with `status` and `headers` instead of forwarding them. */
  answerNext(count: number, status: number, headers?: Record<string, string>): void
  /** Answer 413 to bodies over this many bytes (as received); `undefined`: no limit. */
  maxBodyBytes: number | undefined
  /** Message ids of events in requests answered 2xx, with how many times each was. */
  acknowledged(): Map<string, number>
  /** Closes the port and every connection: the collector looks down. */
  stop(): Promise<void>
  /** Listens again on the same port. */
  start(): Promise<void>
}

function readEvents(body: Buffer, headers: IncomingHttpHeaders): string[] {
  try {
    const text = (headers['content-encoding'] === 'gzip' ? gunzipSync(body) : body).toString('utf8')
    const parsed = JSON.parse(text) as { batch?: { messageId?: string }[] }
    return (parsed.batch ?? []).map((event) => event.messageId ?? '')
  } catch {
    return []
  }
}

/** Starts a proxy to `target` (listening unless `listening: false`, in which case the port is only reserved). */
export async function startProxy(target: string, options: { listening?: boolean } = {}): Promise<Proxy> {
  const targetUrl = new URL(target)
  const canned: { status: number; headers: Record<string, string> }[] = []
  const requests: ProxiedRequest[] = []
  let server: Server | undefined
  let port = 0

  function createProxyServer(): Server {
    return createServer((req, res) => {
      const at = Date.now()
      const chunks: Buffer[] = []
      req.on('data', (chunk: Buffer) => chunks.push(chunk))
      req.on('end', () => {
        const body = Buffer.concat(chunks)
        const record = (status: number) =>
          requests.push({
            at,
            status,
            contentEncoding: req.headers['content-encoding'],
            messageIds: readEvents(body, req.headers),
          })
        const answer = canned.shift()
        if (answer || (proxy.maxBodyBytes !== undefined && body.length > proxy.maxBodyBytes)) {
          const status = answer?.status ?? 413
          record(status)
          res.writeHead(status, { 'content-type': 'application/json', ...answer?.headers })
          res.end(JSON.stringify({ error: { code: 'PROXY', message: `proxy answered ${status}` } }))
          return
        }
        const forward = request(
          {
            host: targetUrl.hostname,
            port: targetUrl.port,
            method: req.method,
            path: req.url,
            headers: req.headers,
          },
          (upstream) => {
            record(upstream.statusCode ?? 0)
            res.writeHead(upstream.statusCode ?? 502, upstream.headers)
            upstream.pipe(res)
          },
        )
        forward.on('error', () => {
          record(502)
          res.writeHead(502).end()
        })
        forward.end(body)
      })
    })
  }

  async function listen(): Promise<void> {
    server = createProxyServer()
    await new Promise<void>((resolve) => server!.listen(port, '127.0.0.1', resolve))
    port = (server.address() as AddressInfo).port
  }

  async function close(): Promise<void> {
    if (!server) return
    const closing = server
    server = undefined
    closing.closeAllConnections()
    await new Promise<void>((resolve) => closing.close(() => resolve()))
  }

  await listen()
  const proxy: Proxy = {
    url: `http://127.0.0.1:${port}`,
    requests,
    maxBodyBytes: undefined,
    answerNext(count, status, headers = {}) {
      for (let i = 0; i < count; i += 1) canned.push({ status, headers })
    },
    acknowledged() {
      const counts = new Map<string, number>()
      for (const { status, messageIds } of requests) {
        if (status < 200 || status >= 300) continue
        for (const id of messageIds) counts.set(id, (counts.get(id) ?? 0) + 1)
      }
      return counts
    },
    stop: close,
    start: listen,
  }
  if (options.listening === false) await close()
  return proxy
}
