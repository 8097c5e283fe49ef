/**
 * IP anonymisation before storage: IPv4 keeps its /24 (`203.0.113.77` → `203.0.113.0`), IPv6
 * its /48 (`2001:db8:85a3:8d3:…` → `2001:db8:85a3::`), as Google Analytics and Matomo do.
 * IPv4-mapped IPv6 addresses (`::ffff:203.0.113.77`) are treated as IPv4.
 */
import { isIPv4, isIPv6 } from 'node:net'

function expandIPv6(ip: string): number[] | undefined {
  const [head = '', tail] = ip.split('::')
  const parse = (part: string) => (part === '' ? [] : part.split(':').map((group) => parseInt(group, 16)))
  const left = parse(head)
  const right = tail === undefined ? [] : parse(tail)
  const groups =
    tail === undefined ? left : [...left, ...new Array(8 - left.length - right.length).fill(0), ...right]
  return groups.length === 8 ? groups : undefined
}

/**
 * @returns the anonymised address, or `''` when `ip` is not an IP address.
 */
export function anonymiseIp(ip: string): string {
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(ip)
  const v4 = mapped ? mapped[1]! : ip
  if (isIPv4(v4)) return v4.replace(/\.\d+$/, '.0')
  if (!isIPv6(ip)) return ''
  const groups = expandIPv6(ip.replace(/%.*$/, ''))
  if (!groups) return ''
  return `${groups
    .slice(0, 3)
    .map((group) => group.toString(16))
    .join(':')}::`
}
