/**
 * The one signature of every webhook Rastro sends (the collector's webhook destinations and the
 * CRM's subscriptions), the scheme `verifyWebhookSignature` of `@rastro/node` checks (as Stripe
 * and Slack sign theirs): `X-Rastro-Timestamp` is the Unix time in seconds and
 * `X-Rastro-Signature` the lower-case hex HMAC-SHA256, keyed with the webhook's secret, of
 * `<timestamp>.<raw body>`. Signing the time with the body lets a receiver refuse replays.
 */
import { createHmac } from 'node:crypto'

/** Header with the hex HMAC-SHA256 signature. */
export const SIGNATURE_HEADER = 'x-rastro-signature'
/** Header with the signing time, Unix seconds. */
export const TIMESTAMP_HEADER = 'x-rastro-timestamp'

/**
 * The two signature headers for `body` signed with `secret` at `nowMs` (ms since the epoch).
 *
 * @returns `{ 'x-rastro-timestamp': '<Unix seconds>', 'x-rastro-signature': '<64 hex digits>' }`
 */
export function signWebhook(body: string, secret: string, nowMs: number): Record<string, string> {
  const timestamp = String(Math.floor(nowMs / 1000))
  const signature = createHmac('sha256', secret).update(`${timestamp}.`).update(body).digest('hex')
  return { [TIMESTAMP_HEADER]: timestamp, [SIGNATURE_HEADER]: signature }
}
