/** A test config with device keys, on top of the shared test config. */
import type { ConfigFile } from '../../src/index.js'
import { testConfig } from './start-collector.js'

export const deviceKeys = {
  fleet: 'dk_test_fleet_key_tenant_one',
  bound: 'dk_test_bound_key_tenant_one',
  revoked: 'dk_test_revoked_key_tenant_one',
  other: 'dk_test_fleet_key_tenant_two',
}

/** Device ids: `bound` may only send as boundDevice; revokedDevice is refused. */
export const boundDevice = '00000000b0b0'
export const revokedDevice = '0000000dead0'

export function createDeviceConfig(server: ConfigFile['server'] = {}): ConfigFile {
  const [one, two] = testConfig.tenants
  return {
    ...testConfig,
    server,
    tenants: [
      {
        ...one!,
        deviceKeys: [
          { name: 'fleet', key: deviceKeys.fleet },
          { name: 'bound', key: deviceKeys.bound, deviceId: boundDevice },
          { name: 'revoked', key: deviceKeys.revoked, revoked: true },
        ],
        revokedDeviceIds: [revokedDevice],
      },
      { ...two!, deviceKeys: [{ key: deviceKeys.other }] },
    ],
  }
}

/** POSTs a frame to /v1/device. */
export async function postFrame(
  url: string,
  key: string | undefined,
  bytes: Uint8Array,
  contentType = 'application/cbor',
): Promise<{ status: number; body: Uint8Array; headers: Headers }> {
  const response = await fetch(`${url}/v1/device`, {
    method: 'POST',
    headers: { 'content-type': contentType, ...(key ? { authorization: `Bearer ${key}` } : {}) },
    body: bytes,
  })
  return {
    status: response.status,
    headers: response.headers,
    body: new Uint8Array(await response.arrayBuffer()),
  }
}
