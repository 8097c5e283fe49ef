/**
 * One delivery attempt of a batch to the collector's `POST /v1/batch`, classified the way the
 * retry loop needs it: delivered (with the events the collector rejected), worth retrying
 * (network errors, timeouts, 408, 429 and 5xx, with `Retry-After`), too large (413: split and
 * resend), or refused for good (any other 4xx, e.g. a wrong write key).
 */
import { promisify } from 'node:util'
import { gzip as gzipCallback } from 'node:zlib'
import type { RejectedEvent } from '@rastro/schema/types'
import { request, type Dispatcher } from 'undici'
import { parseRetryAfter } from './get-retry-delay.js'

const gzip = promisify(gzipCallback)

/** Bodies shorter than this (characters) go uncompressed: gzip would save little and cost a thread hop. */
const GZIP_MIN_CHARS = 1024

/** Where and how batches are sent; built once per client. */
export interface Transport {
  /** Absolute URL of the batch endpoint. */
  url: string
  dispatcher: Dispatcher
  headers: Record<string, string>
  /** Per-attempt limit for the answer's headers and then its body (ms). */
  timeoutMs: number
  gzip: boolean
}

/** What one attempt came to. */
export type SendResult =
  | { kind: 'delivered'; rejected: RejectedEvent[] }
  | { kind: 'retry'; message: string; status?: number; retryAfterMs?: number; cause?: unknown }
  | { kind: 'too-large'; status: number }
  | { kind: 'refused'; message: string; status: number; collectorCode?: string; field?: string }

/** Segment's batch body around events that are already JSON text; `sentAt` lets the collector fix clock skew. */
export function createBatchBody(events: readonly string[], sentAt: Date): string {
  return `{"batch":[${events.join(',')}],"sentAt":"${sentAt.toISOString()}"}`
}

/** The collector's answer: `{ ok, accepted, rejected }` on 2xx, `{ error: { code, message, field? } }` else. */
interface Answer {
  rejected?: unknown
  error?: { code?: string; message?: string; field?: string }
}

function parseAnswer(text: string): Answer | undefined {
  try {
    const value: unknown = JSON.parse(text)
    return typeof value === 'object' && value !== null ? (value as Answer) : undefined
  } catch {
    return undefined
  }
}

/**
 * Sends `events` (JSON texts) as one batch.
 *
 * @param signal - aborts the attempt (used by `shutdown({ timeout })`); an abort rejects with the signal's reason.
 */
export async function sendBatch(
  transport: Transport,
  events: readonly string[],
  signal?: AbortSignal,
): Promise<SendResult> {
  const text = createBatchBody(events, new Date())
  const compress = transport.gzip && text.length >= GZIP_MIN_CHARS
  const body = compress ? await gzip(text) : text
  let response: Dispatcher.ResponseData
  try {
    response = await request(transport.url, {
      method: 'POST',
      dispatcher: transport.dispatcher,
      headers: compress ? { ...transport.headers, 'content-encoding': 'gzip' } : transport.headers,
      body,
      headersTimeout: transport.timeoutMs,
      bodyTimeout: transport.timeoutMs,
      ...(signal ? { signal } : {}),
    })
  } catch (cause) {
    if (signal?.aborted) throw signal.reason
    return { kind: 'retry', message: `request failed: ${(cause as Error).message}`, cause }
  }
  const status = response.statusCode
  let answer: Answer | undefined
  try {
    answer = parseAnswer(await response.body.text())
  } catch (cause) {
    if (signal?.aborted) throw signal.reason
    // A 2xx whose body broke off still stored the events; anything else is retried.
    if (status >= 200 && status < 300) return { kind: 'delivered', rejected: [] }
    return { kind: 'retry', message: `reading the answer failed: ${(cause as Error).message}`, status, cause }
  }
  if (status >= 200 && status < 300) {
    const rejected = Array.isArray(answer?.rejected) ? (answer.rejected as RejectedEvent[]) : []
    return { kind: 'delivered', rejected }
  }
  const error = typeof answer?.error === 'object' && answer.error !== null ? answer.error : undefined
  const message = `collector answered ${status}${error?.code ? ` ${error.code}` : ''}${error?.message ? `: ${error.message}` : ''}`
  if (status === 408 || status === 429 || status >= 500) {
    const retryAfter = response.headers['retry-after']
    const retryAfterMs = parseRetryAfter(Array.isArray(retryAfter) ? retryAfter[0] : retryAfter)
    return { kind: 'retry', message, status, ...(retryAfterMs === undefined ? {} : { retryAfterMs }) }
  }
  if (status === 413) return { kind: 'too-large', status }
  return {
    kind: 'refused',
    message,
    status,
    ...(error?.code ? { collectorCode: error.code } : {}),
    ...(error?.field ? { field: error.field } : {}),
  }
}
