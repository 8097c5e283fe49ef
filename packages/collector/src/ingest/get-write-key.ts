/**
 * Finds the write key of an ingest request: HTTP Basic auth with the key as user name (with or
 * without the trailing colon, as Segment accepts), else `writeKey` in the body (for `sendBeacon`,
 * which cannot set headers).
 */
export function getWriteKey(authorization: string | undefined, body: unknown): string | undefined {
  if (authorization?.startsWith('Basic ')) {
    const decoded = Buffer.from(authorization.slice(6).trim(), 'base64').toString('utf8')
    const colon = decoded.indexOf(':')
    const user = colon === -1 ? decoded : decoded.slice(0, colon)
    if (user) return user
  }
  if (typeof body === 'object' && body !== null && 'writeKey' in body) {
    const { writeKey } = body as { writeKey: unknown }
    if (typeof writeKey === 'string' && writeKey) return writeKey
  }
  return undefined
}
