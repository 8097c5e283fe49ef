/**
 * Looks up device keys (ingest-only, per tenant) by their SHA-256, and the devices a tenant has
 * revoked. Kept apart from KeyRing: device keys never reach the read APIs.
 */
import type { TenantConfig } from './config-schema.js'
import { hashKey } from './load-config.js'

/** Who a device key belongs to. */
export interface DeviceKeyRef {
  tenantId: string
  retentionDays: number
  /** The key's name in the config, for logs. */
  name: string | undefined
  /** The only device (hex id) that may send with this key, if bound. */
  deviceId: string | undefined
  revoked: boolean
}

export class DeviceKeyRing {
  readonly #keys = new Map<string, DeviceKeyRef>()
  readonly #revokedDevices = new Map<string, ReadonlySet<string>>()

  constructor(tenants: TenantConfig[]) {
    for (const tenant of tenants) {
      for (const deviceKey of tenant.deviceKeys) {
        this.#keys.set(deviceKey.keySha256 ?? hashKey(deviceKey.key!), {
          tenantId: tenant.id,
          retentionDays: tenant.retentionDays,
          name: deviceKey.name,
          deviceId: deviceKey.deviceId,
          revoked: deviceKey.revoked,
        })
      }
      this.#revokedDevices.set(tenant.id, new Set(tenant.revokedDeviceIds))
    }
  }

  /** Whether any tenant has a device key (else the device routes need not be mounted). */
  get size(): number {
    return this.#keys.size
  }

  /** The tenant of a device key, or undefined. */
  findDeviceKey(key: string): DeviceKeyRef | undefined {
    return this.#keys.get(hashKey(key))
  }

  /** Whether `tenantId` revoked the device `deviceId` (hex). */
  isRevokedDevice(tenantId: string, deviceId: string): boolean {
    return this.#revokedDevices.get(tenantId)?.has(deviceId) ?? false
  }
}
