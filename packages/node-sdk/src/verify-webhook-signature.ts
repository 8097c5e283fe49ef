/**
 * Checks that a webhook came from your Rastro collector. The collector signs each delivery (of a
 * webhook destination, or of a CRM `contact.hot_lead` subscription) with that webhook's secret:
 * `X-Rastro-Timestamp` is the Unix time in seconds, and
 * `X-Rastro-Signature` the lower-case hex HMAC-SHA256 of `<timestamp>.<raw body>`. A valid
 * signature with a timestamp within the tolerance proves who sent the body and limits replays
 * (the scheme of Stripe's and Slack's webhook signatures).
 */
import { createHmac, timingSafeEqual } from 'node:crypto'
import type { NodeErrorCode } from './errors.js'

/** Header with the hex HMAC-SHA256 signature. */
export const SIGNATURE_HEADER = 'x-rastro-signature'
/** Header with the signing time, Unix seconds. */
export const TIMESTAMP_HEADER = 'x-rastro-timestamp'
/** Default largest distance between the signing time and now (seconds). */
export const DEFAULT_TOLERANCE_SECONDS = 300

/** Request headers as Node (`req.headers`) or fetch (`request.headers`, a `Headers`) gives them. */
export type WebhookHeaders =
  Record<string, string | string[] | undefined> | { get(name: string): string | null }

/** Options of {@link verifyWebhookSignature}. */
export interface VerifyWebhookOptions {
  /** The body exactly as received, before any JSON parsing (`express.raw()`, Fastify's `parseAs: 'buffer'`). */
  rawBody: string | Uint8Array
  headers: WebhookHeaders
  /** The webhook's secret; several while you rotate it (any one may match). */
  secret: string | readonly string[]
  /** Largest distance between the signing time and now, either way (seconds); default 300. */
  toleranceSeconds?: number
  /** The current time (ms); for tests. */
  nowMs?: number
}

/** The verdict; on failure, a stable code and what is wrong. */
export type VerifyWebhookResult =
  | { ok: true; /** Signing time, Unix seconds. */ timestamp: number }
  | { ok: false; code: Extract<NodeErrorCode, `RASTRO_ERR_WEBHOOK_${string}`>; message: string }

function getHeader(headers: WebhookHeaders, name: string): string | undefined {
  if (typeof headers.get === 'function') return headers.get(name) ?? undefined
  const value = (headers as Record<string, string | string[] | undefined>)[name]
  return Array.isArray(value) ? value[0] : value
}

/**
 * Verifies a signed webhook. Never throws for bad input: a forged request gets `ok: false`.
 *
 * @example
 * const result = verifyWebhookSignature({ rawBody, headers: req.headers, secret: process.env.RASTRO_WEBHOOK_SECRET })
 * if (!result.ok) return reply.code(401).send({ error: result.code })
 */
export function verifyWebhookSignature(options: VerifyWebhookOptions): VerifyWebhookResult {
  const signature = getHeader(options.headers, SIGNATURE_HEADER)?.trim().toLowerCase()
  const timestampText = getHeader(options.headers, TIMESTAMP_HEADER)?.trim()
  if (!signature || !timestampText) {
    return {
      ok: false,
      code: 'RASTRO_ERR_WEBHOOK_MISSING_HEADER',
      message: `both ${SIGNATURE_HEADER} and ${TIMESTAMP_HEADER} are required`,
    }
  }
  const timestamp = Number(timestampText)
  const toleranceSeconds = options.toleranceSeconds ?? DEFAULT_TOLERANCE_SECONDS
  const ageSeconds = (options.nowMs ?? Date.now()) / 1000 - timestamp
  if (!/^\d{1,12}$/.test(timestampText) || Math.abs(ageSeconds) > toleranceSeconds) {
    return {
      ok: false,
      code: 'RASTRO_ERR_WEBHOOK_TIMESTAMP_OUT_OF_RANGE',
      message: `${TIMESTAMP_HEADER} must be Unix seconds within ${toleranceSeconds} s of now`,
    }
  }
  const given = /^[0-9a-f]{64}$/.test(signature) ? Buffer.from(signature, 'hex') : undefined
  // An empty secret would make the HMAC guessable: it never matches.
  const secrets = [options.secret].flat().filter((secret) => secret.length > 0)
  let matched = false
  for (const secret of secrets) {
    const expected = createHmac('sha256', secret).update(`${timestampText}.`).update(options.rawBody).digest()
    // Compare every secret in constant time, even after a match, so timing tells nothing.
    if (given && timingSafeEqual(expected, given)) matched = true
  }
  if (!matched) {
    return {
      ok: false,
      code: 'RASTRO_ERR_WEBHOOK_INVALID_SIGNATURE',
      message: `${SIGNATURE_HEADER} does not match the body and the secret`,
    }
  }
  return { ok: true, timestamp }
}
