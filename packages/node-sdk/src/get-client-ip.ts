/**
 * The client's IP address behind trusted proxies, with the semantics of Express's and Fastify's
 * `trustProxy` (the `proxy-addr` package): walk from the socket address back through
 * `X-Forwarded-For` (right to left) while each hop is trusted; the first untrusted address is the client.
 */
import { BlockList, isIP } from 'node:net'

/**
 * Which proxies to believe:
 * - `false` (default): none; the socket address is the client (right when nothing sits in front).
 * - `true`: all; the left-most `X-Forwarded-For` entry (only behind a proxy that overwrites the header).
 * - a number n: the n hops nearest to us (e.g. `1` behind one load balancer).
 * - addresses or CIDR ranges, as an array or a comma-separated string, plus the names `loopback`,
 *   `linklocal` and `uniquelocal` (e.g. `'loopback, 10.0.0.0/8'`).
 */
export type TrustProxy = boolean | number | string | readonly string[]

const NAMED_RANGES: Record<string, string[]> = {
  loopback: ['127.0.0.1/8', '::1/128'],
  linklocal: ['169.254.0.0/16', 'fe80::/10'],
  uniquelocal: ['10.0.0.0/8', '172.16.0.0/12', '192.168.0.0/16', 'fc00::/7'],
}

/** `::ffff:10.0.0.1` → `10.0.0.1`; anything else as it is. */
function unmapIpv4(address: string): string {
  return address.startsWith('::ffff:') && isIP(address.slice(7)) === 4 ? address.slice(7) : address
}

function addRange(list: BlockList, range: string): void {
  const [address = '', prefix] = range.split('/')
  const family = isIP(address)
  if (family === 0) throw new TypeError(`trustProxy: "${range}" is not an IP address or CIDR range`)
  const type = family === 4 ? 'ipv4' : 'ipv6'
  if (prefix === undefined) list.addAddress(address, type)
  else list.addSubnet(address, Number(prefix), type)
}

/**
 * Compiles a {@link TrustProxy} setting to a test of (address, hop), hop 0 being the socket.
 *
 * @throws TypeError for an entry that is neither an IP address, a CIDR range nor a range name.
 */
export function compileTrust(trust: TrustProxy): (address: string, hop: number) => boolean {
  if (typeof trust === 'boolean') return () => trust
  if (typeof trust === 'number') return (_address, hop) => hop < trust
  const entries = typeof trust === 'string' ? trust.split(',') : trust
  const list = new BlockList()
  for (const entry of entries.map((text) => text.trim()).filter(Boolean)) {
    for (const range of NAMED_RANGES[entry] ?? [entry]) addRange(list, range)
  }
  return (address) => list.check(address, isIP(address) === 6 ? 'ipv6' : 'ipv4')
}

/**
 * The client IP of a request.
 *
 * @param socketAddress - the TCP peer (`req.socket.remoteAddress`).
 * @param forwardedFor - the `X-Forwarded-For` header, if any.
 * @returns the address, IPv4-mapped IPv6 unmapped; `undefined` without a socket address.
 */
export function getClientIp(
  socketAddress: string | undefined,
  forwardedFor: string | undefined,
  trust: (address: string, hop: number) => boolean,
): string | undefined {
  if (!socketAddress) return undefined
  const hops = [
    unmapIpv4(socketAddress),
    ...(forwardedFor ?? '')
      .split(',')
      .map((entry) => unmapIpv4(entry.trim()))
      .filter(Boolean)
      .reverse(),
  ]
  for (let hop = 0; hop < hops.length; hop += 1) {
    const address = hops[hop]!
    // A hop that is not an IP was forged or mangled: believe only the hops before it.
    if (isIP(address) === 0) return hops[hop - 1]
    if (!trust(address, hop)) return address
  }
  return hops[hops.length - 1]
}
