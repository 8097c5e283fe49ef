/**
 * Reads a `Cookie` request header (RFC 6265 §5.4: `name=value` pairs joined by `; `) into a map.
 * Values stay as sent (no percent-decoding): Meta's `_fbc` must reach the Conversions API byte for
 * byte (shared/specs/forwarding.md, "fbc / fbp"). The first of two same-named cookies wins, as the
 * browser sends the most specific path first.
 */
export function parseCookies(header: string | string[] | undefined): Map<string, string> {
  const cookies = new Map<string, string>()
  const text = Array.isArray(header) ? header.join('; ') : (header ?? '')
  for (const pair of text.split(';')) {
    const equals = pair.indexOf('=')
    if (equals === -1) continue
    const name = pair.slice(0, equals).trim()
    let value = pair.slice(equals + 1).trim()
    if (value.length >= 2 && value.startsWith('"') && value.endsWith('"')) value = value.slice(1, -1)
    if (name && !cookies.has(name)) cookies.set(name, value)
  }
  return cookies
}
