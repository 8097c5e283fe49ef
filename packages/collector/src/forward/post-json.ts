/**
 * One HTTP POST of a JSON body to a destination, through a keep-alive connection pool (undici's
 * `Agent`), with a deadline on the whole exchange. Answers any HTTP status; throws only when no
 * answer came (refused connection, reset, timeout), which destinations treat as retryable.
 */
import { Agent, request } from 'undici'

/** A destination's answer. */
export interface HttpAnswer {
  status: number
  /** Response headers, lower-case names. */
  headers: Record<string, string | string[] | undefined>
  /** The response body as text (at most `MAX_BODY_BYTES`). */
  body: string
  /** Time from sending to the end of the body (ms). */
  latencyMs: number
}

/** Largest response body kept (bytes): vendor answers are small; a proxy's error page may not be. */
const MAX_BODY_BYTES = 64 * 1024

/**
 * A pool of keep-alive connections to one destination (`connections` at most), closed with the
 * destination.
 */
export function createHttpPool(connections: number, timeoutMs: number): Agent {
  return new Agent({ connections, keepAliveTimeout: 30_000, connect: { timeout: timeoutMs } })
}

/**
 * POSTs `body` (JSON text) to `url`.
 *
 * @throws the network error (`code` such as `ECONNREFUSED`, `UND_ERR_HEADERS_TIMEOUT`) when no
 *   answer came within `timeoutMs`.
 */
export async function postJson(
  pool: Agent,
  url: string,
  body: string,
  options: { headers?: Record<string, string>; timeoutMs: number },
): Promise<HttpAnswer> {
  const started = performance.now()
  const response = await request(url, {
    method: 'POST',
    dispatcher: pool,
    headers: { 'content-type': 'application/json', ...options.headers },
    body,
    headersTimeout: options.timeoutMs,
    bodyTimeout: options.timeoutMs,
    signal: AbortSignal.timeout(options.timeoutMs),
  })
  const chunks: Buffer[] = []
  let bytes = 0
  for await (const chunk of response.body as AsyncIterable<Buffer>) {
    if (bytes < MAX_BODY_BYTES) chunks.push(chunk)
    bytes += chunk.length
  }
  return {
    status: response.statusCode,
    headers: response.headers,
    body: Buffer.concat(chunks).toString('utf8').slice(0, MAX_BODY_BYTES),
    latencyMs: Math.round(performance.now() - started),
  }
}
