import { describe, expect, it } from 'vitest'
import { compileTrust, getClientIp } from '../../src/get-client-ip.js'

const ip = (socket: string | undefined, xff: string | undefined, trust: Parameters<typeof compileTrust>[0]) =>
  getClientIp(socket, xff, compileTrust(trust))

describe('getClientIp', () => {
  const xff = '198.51.100.7, 203.0.113.9, 10.0.0.2'

  it('believes no X-Forwarded-For by default', () => {
    expect(ip('10.0.0.1', xff, false)).toBe('10.0.0.1')
    expect(ip('::ffff:192.0.2.44', undefined, false)).toBe('192.0.2.44')
    expect(ip(undefined, xff, true)).toBeUndefined()
  })

  it('walks back as many hops as trusted', () => {
    expect(ip('10.0.0.1', xff, 1)).toBe('10.0.0.2')
    expect(ip('10.0.0.1', xff, 2)).toBe('203.0.113.9')
    expect(ip('10.0.0.1', xff, 3)).toBe('198.51.100.7')
    expect(ip('10.0.0.1', xff, 10)).toBe('198.51.100.7')
    expect(ip('10.0.0.1', xff, true)).toBe('198.51.100.7')
  })

  it('trusts addresses, CIDR ranges and named ranges', () => {
    expect(ip('10.0.0.1', xff, 'uniquelocal')).toBe('203.0.113.9')
    expect(ip('10.0.0.1', xff, ['10.0.0.0/8', '203.0.113.9'])).toBe('198.51.100.7')
    expect(ip('127.0.0.1', '2001:db8::1', 'loopback')).toBe('2001:db8::1')
    expect(ip('::1', '::ffff:192.0.2.1', 'loopback, linklocal')).toBe('192.0.2.1')
    expect(ip('192.0.2.200', xff, 'loopback')).toBe('192.0.2.200')
  })

  it('stops at a hop that is not an IP address', () => {
    expect(ip('10.0.0.1', 'evil, 203.0.113.9', true)).toBe('203.0.113.9')
    expect(() => compileTrust('not-an-ip')).toThrow(TypeError)
  })
})
