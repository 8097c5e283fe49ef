/**
 * One `POST /v1/batch` with `fetch`, classified for the queue. The body is `text/plain`, a
 * CORS-simple type, so browsers send it without a preflight; the collector parses it as JSON.
 */
import type { ErrorResponse, IngestResponse } from '@rastro/schema/types'
import { getByteLength } from '../util/get-byte-length.js'
import { MAX_BODY_BYTES } from './split-batch.js'

/** What came of one request. */
export interface SendResult {
  /** 2xx: stored (events listed in `rejected` are not retried). */
  _ok: boolean
  /** Network error, 408, 429 or 5xx: send the same events again later. Any other status is final. */
  _retry: boolean
  /** The server's `Retry-After`, in ms (0 when absent). */
  _retryAfterMs: number
  /** HTTP status, 0 for a network error. */
  _status: number
  /** The parsed answer, when there is one. */
  _body?: IngestResponse | ErrorResponse
}

/** Whether a status is worth retrying: timeouts, rate limits and server errors (never 400/401/403/413/415). */
export function isRetryable(status: number): boolean {
  return !status || status == 408 || status == 429 || status >= 500
}

/**
 * Reads `Retry-After` (RFC 9110 §10.2.3): delay-seconds or an HTTP date, as ms from `nowMs`.
 * Reading it cross-origin needs `Access-Control-Expose-Headers: Retry-After` from the collector.
 */
export function getRetryAfterMs(header: string | null, nowMs: number): number {
  if (!header) return 0
  return Math.max(0, +header * 1000 || Date.parse(header) - nowMs || 0)
}

/** Posts `body` to `url`; resolves (never rejects) with the classified result. */
export async function sendBatch(
  url: string,
  body: string,
  fetch: (url: string, init: RequestInit) => Promise<Response>,
  nowMs: () => number,
): Promise<SendResult> {
  let status = 0
  let retryAfterMs = 0
  let json: SendResult['_body']
  try {
    const response = await fetch(url, {
      method: 'POST',
      headers: { 'Content-Type': 'text/plain' },
      body,
      // keepalive lets the request outlive the page, within the 64 KiB budget.
      keepalive: getByteLength(body) < MAX_BODY_BYTES,
    })
    status = response.status
    retryAfterMs = getRetryAfterMs(response.headers.get('Retry-After'), nowMs())
    json = await response.json().catch(() => undefined)
  } catch {
    // network error, CORS refusal or abort: status stays 0
  }
  return {
    _ok: status > 199 && status < 300,
    _retry: isRetryable(status),
    _retryAfterMs: retryAfterMs,
    _status: status,
    _body: json,
  }
}
