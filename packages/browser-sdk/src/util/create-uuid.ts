/**
 * Random ids. `crypto.randomUUID` exists only in secure contexts (https, localhost), so plain http
 * pages fall back to `crypto.getRandomValues`, then to `Math.random`.
 */

/** Returns a random UUID v4 (RFC 9562 §5.4). */
export function createUuid(): string {
  const c = globalThis.crypto
  if (c && c.randomUUID) return c.randomUUID()
  return '10000000-1000-4000-8000-100000000000'.replace(/[018]/g, (ch) => {
    const n = +ch
    const r = c && c.getRandomValues ? c.getRandomValues(new Uint8Array(1))[0]! : (Math.random() * 256) | 0
    return (n ^ (r & (15 >> (n / 4)))).toString(16)
  })
}

/**
 * Returns a UUID v7 (RFC 9562 §5.7): 48 bits of Unix time in ms, then random bits, so ids sort by
 * creation time. Built from a v4 whose version nibble is changed; the variant bits stay valid.
 */
export function createUuidV7(nowMs: number): string {
  const time = nowMs.toString(16).padStart(12, '0').slice(-12)
  return time.slice(0, 8) + '-' + time.slice(8) + '-7' + createUuid().slice(15)
}

/** The creation time (ms since the epoch) of a UUID v7, `NaN` for anything else. */
export function getUuidV7Time(id: string): number {
  return parseInt(id.slice(0, 8) + id.slice(9, 13), 16)
}
