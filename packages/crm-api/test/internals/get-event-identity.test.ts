import { describe, expect, it } from 'vitest'
import type { CrmEventRow } from '../../src/feed/crm-event-row.js'
import { getEventIdentity, readIdentityProperties } from '../../src/feed/get-event-identity.js'

/** A browser track call of anonymous visitor `anon-1`, with `properties` as the log hands them (JSON text). */
function track(event: string, properties: Record<string, unknown>): CrmEventRow {
  return {
    tenant_id: 't',
    message_id: 'm-1',
    type: 'track',
    event,
    name: '',
    anonymous_id: 'anon-1',
    user_id: '',
    timestamp: '2026-12-06 10:00:00.000',
    path: '/checkout',
    utm_source: '',
    library_name: '@rastro/browser',
    score: 5,
    engagement: 'high',
    bot: 0,
    properties: JSON.stringify(properties),
    traits: '{}',
    context: JSON.stringify({ page: { path: '/checkout' }, userAgent: 'Mozilla/5.0' }),
  }
}

describe('getEventIdentity', () => {
  it('leaves the properties of an event that cannot name anyone unparsed, and finds only the visitor', () => {
    const row = track('Product Viewed', { product_id: 'sku-1', price: 19.9, emailed: true, phoneModel: 'x' })
    expect(readIdentityProperties(row.properties)).toBeUndefined()
    expect(getEventIdentity(row).keys).toEqual([{ kind: 'anon_id', value: 'anon-1' }])
  })

  it('reads each identity properties can carry: email and name, phone, RFID uid, device id', () => {
    const keysOf = (properties: Record<string, unknown>) =>
      getEventIdentity(track('Lead Created', properties), 'ES').keys
    const lead = getEventIdentity(track('Lead Created', { email: ' Eva@Example.com ', name: 'Eva Díaz Gil' }))
    expect(lead.keys).toEqual([
      { kind: 'email', value: 'eva@example.com' },
      { kind: 'anon_id', value: 'anon-1' },
    ])
    expect(lead.patch).toMatchObject({ firstName: 'Eva', lastName: 'Díaz Gil', lifecycleStage: 'lead' })
    expect(keysOf({ phone: '611 000 003' })).toContainEqual({ kind: 'phone', value: '+34611000003' })
    for (const name of ['rfid_uid', 'rfidUid', 'rfid']) {
      // A tap at a shared reader: the reader's own ids are not the person's.
      expect(keysOf({ [name]: '04:a2:2b' })).toEqual([{ kind: 'rfid_uid', value: '04A22B' }])
    }
    expect(keysOf({ device_id: 'kiosk-7' })).toContainEqual({ kind: 'device_id', value: 'kiosk-7' })
  })
})
