import { mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { DeviceKeyRing } from '../../src/config/device-key-ring.js'
import { hashKey, loadConfig } from '../../src/config/load-config.js'

function load(tenants: unknown[], server: Record<string, unknown> = {}, env: NodeJS.ProcessEnv = {}) {
  const path = join(mkdtempSync(join(tmpdir(), 'rastro-device-config-')), 'rastro.config.json')
  writeFileSync(path, JSON.stringify({ tenants, server }))
  return loadConfig({ configPath: path, env })
}

function tenant(id: string, extra: Record<string, unknown>) {
  return { id, sites: [{ id: 'web', writeKey: `wk_${id}_web` }], ...extra }
}

describe('device keys in the config', () => {
  it('finds a key by value or by its SHA-256, with its tenant, binding and revocation', () => {
    const config = load([
      tenant('shop', {
        retentionDays: 90,
        deviceKeys: [
          { name: 'kiosks', key: 'dk_0123456789abcdef' },
          { keySha256: hashKey('dk_hashed_key_0001'), deviceId: 'a4cf12345678', revoked: true },
        ],
        revokedDeviceIds: ['0000000dead0'],
      }),
    ])
    const ring = new DeviceKeyRing(config.tenants)
    expect(ring.findDeviceKey('dk_0123456789abcdef')).toEqual({
      tenantId: 'shop',
      retentionDays: 90,
      name: 'kiosks',
      deviceId: undefined,
      revoked: false,
    })
    expect(ring.findDeviceKey('dk_hashed_key_0001')).toMatchObject({
      deviceId: 'a4cf12345678',
      revoked: true,
    })
    expect(ring.findDeviceKey('wk_shop_web')).toBeUndefined()
    expect(ring.isRevokedDevice('shop', '0000000dead0')).toBe(true)
    expect(ring.isRevokedDevice('other', '0000000dead0')).toBe(false)
  })

  it('refuses a device key used twice (even once hashed), a key with "/" and a malformed device id', () => {
    const key = 'dk_0123456789abcdef'
    expect(() =>
      load([
        tenant('a', { deviceKeys: [{ key }] }),
        tenant('b', { deviceKeys: [{ keySha256: hashKey(key) }] }),
      ]),
    ).toThrow(/tenants\[1\]\.deviceKeys\[0\]\.key: device key already used/)
    expect(() => load([tenant('a', { deviceKeys: [{ key: 'dk_with/slash_0123' }] })])).toThrow(
      /deviceKeys\[0\]\.key/,
    )
    expect(() => load([tenant('a', { revokedDeviceIds: ['A4CF12345678'] })])).toThrow(/revokedDeviceIds\[0\]/)
  })

  it('takes an MQTT broker URL and topic prefix, also from RASTRO_MQTT_URL', () => {
    const defaults = load([tenant('a', {})]).settings
    expect(defaults.mqttUrl).toBeUndefined()
    expect(defaults.mqttTopicPrefix).toBe('rastro')
    expect(load([tenant('a', {})], {}, { RASTRO_MQTT_URL: 'mqtts://broker:8883' }).settings.mqttUrl).toBe(
      'mqtts://broker:8883',
    )
    const config = load([tenant('a', {})], { mqttUrl: 'mqtt://broker:1883', mqttTopicPrefix: 'shop/devices' })
    expect(config.settings).toMatchObject({ mqttUrl: 'mqtt://broker:1883', mqttTopicPrefix: 'shop/devices' })
    expect(() => load([tenant('a', {})], { mqttUrl: 'http://broker' })).toThrow(/mqttUrl/)
    expect(() => load([tenant('a', {})], { mqttTopicPrefix: 'a/+/b' })).toThrow(/mqttTopicPrefix/)
  })
})
