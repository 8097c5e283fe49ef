/**
 * Addresses that are not a visitor's place on the internet: private, loopback, link-local, shared
 * (CGNAT), documentation, benchmarking, multicast and reserved ranges, after the IANA special-purpose
 * address registries (RFC 6890; https://www.iana.org/assignments/iana-ipv4-special-registry/,
 * https://www.iana.org/assignments/iana-ipv6-special-registry/). Hand-written range tests rather
 * than `net.BlockList`, which cost 2.6 µs a check here, more than the country lookup itself.
 */

/**
 * Whether dotted-quad `ip` (a valid IPv4 address) is special-purpose: 0/8, 10/8, 100.64/10,
 * 127/8, 169.254/16, 172.16/12, 192.0.0/24, 192.0.2/24, 192.88.99/24, 192.168/16, 198.18/15,
 * 198.51.100/24, 203.0.113/24, 224/4 (multicast) and 240/4 (reserved, broadcast).
 */
export function isSpecialPurposeIPv4(ip: string): boolean {
  const dot1 = ip.indexOf('.')
  const dot2 = ip.indexOf('.', dot1 + 1)
  const a = Number(ip.slice(0, dot1))
  const b = Number(ip.slice(dot1 + 1, dot2))
  const c = Number(ip.slice(dot2 + 1, ip.indexOf('.', dot2 + 1)))
  switch (a) {
    case 0:
    case 10:
    case 127:
      return true
    case 100:
      return b >= 64 && b < 128
    case 169:
      return b === 254
    case 172:
      return b >= 16 && b < 32
    case 192:
      return b === 168 || (b === 0 && (c === 0 || c === 2)) || (b === 88 && c === 99)
    case 198:
      return b === 18 || b === 19 || (b === 51 && c === 100)
    case 203:
      return b === 0 && c === 113
    default:
      return a >= 224
  }
}

/**
 * Whether `ip` (a valid IPv6 address, not IPv4-mapped) is special-purpose: ::/16 (unspecified,
 * loopback, the deprecated IPv4-compatible form), 100::/16 (discard), 2001::/23 (IETF protocol
 * assignments: Teredo, benchmarking, ORCHID), 2001:db8::/32 and 3fff::/20 (documentation,
 * RFC 3849 and RFC 9637), fc00::/7 (unique local), fe80::/10 (link-local), ff00::/8 (multicast)
 * and the rest of fe00::/9.
 */
export function isSpecialPurposeIPv6(ip: string): boolean {
  const colon1 = ip.indexOf(':')
  const first = colon1 === 0 ? 0 : parseInt(ip.slice(0, colon1), 16)
  if (first === 0 || first === 0x100 || first >= 0xfc00) return true
  if (first !== 0x2001 && first !== 0x3fff) return false
  const colon2 = ip.indexOf(':', colon1 + 1)
  const second = colon2 === colon1 + 1 ? 0 : parseInt(ip.slice(colon1 + 1, colon2), 16)
  return first === 0x2001 ? second < 0x200 || second === 0xdb8 : second < 0x1000
}
