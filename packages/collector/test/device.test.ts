/**
 * POST /v1/device on the real collector and embedded ClickHouse: frames from the shared vectors
 * and built with the codec; events land in `events`, readings in `telemetry`, resends are
 * stored once, acks count only stored records, and bad frames get their code.
 */
import { readdirSync, readFileSync } from 'node:fs'
import { decodeAck, encodeFrame, type DeviceFrame, type DeviceRecord, type FrameAck } from '@rastro/device'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import {
  boundDevice,
  createDeviceConfig,
  deviceKeys,
  postFrame,
  revokedDevice,
} from './helpers/device-config.js'
import { queryRows, startCollector, type RunningCollector } from './helpers/start-collector.js'

let collector: RunningCollector
const vectorsDir = new URL('../../device-sdk/vectors/', import.meta.url)

beforeAll(async () => {
  collector = await startCollector({ config: createDeviceConfig() })
})
afterAll(async () => {
  await collector?.stop()
})

function readVector(name: string): Uint8Array {
  return new Uint8Array(readFileSync(new URL(`${name}.cbor`, vectorsDir)))
}

let nextDevice = 0x100
/** A device id of its own for each test, so tests do not see each other's rows. */
function newDevice(): string {
  nextDevice += 1
  return `a4cf12${nextDevice.toString(16).padStart(6, '0')}`
}

function readings(seqFirst: number, count: number, uptimeMs = 1000): DeviceRecord[] {
  return Array.from({ length: count }, (_, i) => ({
    type: 'reading' as const,
    seq: seqFirst + i,
    uptimeMs: uptimeMs + i * 100,
    metric: 'temp',
    value: 20 + i,
    unit: 'C',
  }))
}

function frameOf(
  deviceId: string,
  records: DeviceRecord[],
  header: Partial<DeviceFrame['header']> = {},
): Uint8Array {
  const sentUptimeMs = Math.max(...records.map((record) => record.uptimeMs)) + 500
  return encodeFrame({
    header: { version: 1, deviceId, bootId: 1, seqFirst: records[0]!.seq, sentUptimeMs, ...header },
    records,
  })
}

async function send(bytes: Uint8Array, key = deviceKeys.fleet): Promise<FrameAck> {
  const response = await postFrame(collector.url, key, bytes)
  expect(response.status, new TextDecoder().decode(response.body)).toBe(200)
  expect(response.headers.get('content-type')).toBe('application/cbor')
  return decodeAck(response.body) as FrameAck
}

async function countRows(table: 'events' | 'telemetry', deviceId: string): Promise<number> {
  const column = table === 'events' ? "JSONExtractString(context, 'device', 'id')" : 'device_id'
  const [row] = await queryRows<{ n: string }>(
    collector,
    `SELECT count() AS n FROM ${table} WHERE ${column} = {id:String}`,
    {
      id: deviceId,
    },
  )
  return Number(row!.n)
}

describe('POST /v1/device', () => {
  it('stores the kiosk vector: events in events (on the customer timeline), readings in telemetry', async () => {
    const before = Date.now()
    const ack = await send(readVector('003-kiosk-events'))
    const after = Date.now()
    expect(ack).toEqual({ bootId: 3, ackedThrough: 515, stored: 4, duplicates: 0, rejected: 0 })
    const events = await queryRows<Record<string, string>>(
      collector,
      `SELECT message_id, type, event, user_id, anonymous_id, session_id, site_id, tenant_id, properties, context,
        toUnixTimestamp64Milli(timestamp) AS ts, toUnixTimestamp64Milli(received_at) AS received, device_type
       FROM events WHERE anonymous_id = 'device:a4cf12345678' AND session_id = 'a4cf12345678:3' ORDER BY message_id`,
    )
    expect(events.map((event) => [event.message_id, event.event, event.user_id])).toEqual([
      ['device:a4cf12345678:3:512', 'door_open', ''],
      ['device:a4cf12345678:3:513', 'rfid_tap', 'cust-0042'],
      ['device:a4cf12345678:3:514', 'purchase', 'cust-0042'],
    ])
    const purchase = events[2]!
    expect(purchase).toMatchObject({
      type: 'track',
      tenant_id: 'one',
      site_id: 'device',
      device_type: 'embedded',
    })
    expect(JSON.parse(purchase.properties!)).toEqual({
      qty: 2,
      sku: 'latte-m',
      paid: true,
      cents: 350,
      discount: 0.1,
      weight_g: 12.5,
    })
    expect(JSON.parse(purchase.context!).device).toMatchObject({
      id: 'a4cf12345678',
      bootId: 3,
      seq: 514,
      uptimeMs: 92_100,
      timeQuality: 'uptime',
      firmware: 'kiosk-1.4.2',
    })
    // Sent at uptime 93,000 ms, so the purchase (92,100) happened 900 ms before receipt.
    const received = Number(purchase.received)
    expect(received).toBeGreaterThanOrEqual(before)
    expect(received).toBeLessThanOrEqual(after)
    expect(Number(purchase.ts)).toBe(received - 900)
    const telemetry = await queryRows<Record<string, string | number | null>>(
      collector,
      `SELECT metric, value, unit, boot_id, seq, time_quality, device_time,
        toUnixTimestamp64Milli(received_at) - toUnixTimestamp64Milli(timestamp) AS age
       FROM telemetry WHERE device_id = 'a4cf12345678' AND boot_id = 3`,
    )
    expect(telemetry).toEqual([
      {
        metric: 'door',
        value: 0,
        unit: '',
        boot_id: 3,
        seq: 515,
        time_quality: 'uptime',
        device_time: null,
        age: '500',
      },
    ])
  })

  it('stores a resent frame once and says so in the ack', async () => {
    const device = newDevice()
    const bytes = frameOf(device, readings(0, 10))
    expect(await send(bytes)).toEqual({ bootId: 1, ackedThrough: 9, stored: 10, duplicates: 0, rejected: 0 })
    expect(await send(bytes)).toEqual({ bootId: 1, ackedThrough: 9, stored: 0, duplicates: 10, rejected: 0 })
    expect(await countRows('telemetry', device)).toBe(10)
  })

  it('stores concurrent copies of a frame once', async () => {
    const device = newDevice()
    const bytes = frameOf(device, [
      ...readings(0, 3),
      {
        type: 'event',
        seq: 3,
        uptimeMs: 2000,
        name: 'purchase',
        properties: { cents: 350 },
        userId: 'cust-1',
      },
    ])
    const acks = await Promise.all(Array.from({ length: 6 }, () => send(bytes)))
    expect(acks.map((ack) => ack.stored).sort()).toEqual([0, 0, 0, 0, 0, 4])
    expect(acks.every((ack) => ack.ackedThrough === 3)).toBe(true)
    expect(await countRows('telemetry', device)).toBe(3)
    expect(await countRows('events', device)).toBe(1)
  })

  it('stores only the new part of an overlapping resend and acks through the end', async () => {
    const device = newDevice()
    await send(frameOf(device, readings(0, 10)))
    expect(await send(frameOf(device, readings(5, 10, 1500)))).toEqual({
      bootId: 1,
      ackedThrough: 14,
      stored: 5,
      duplicates: 5,
      rejected: 0,
    })
    expect(await countRows('telemetry', device)).toBe(15)
  })

  it('acks from the frame on after a gap (records the device dropped), not from the start of the boot', async () => {
    const device = newDevice()
    await send(frameOf(device, readings(0, 5)))
    expect((await send(frameOf(device, readings(100, 5, 9000)))).ackedThrough).toBe(104)
    // The same boot on another tenant's key is another device history.
    expect((await send(frameOf(device, readings(100, 5, 9000)), deviceKeys.other)).stored).toBe(5)
  })

  it('acknowledges a record of an unknown type as rejected and stores the rest', async () => {
    expect(await send(readVector('007-unknown-record-type'))).toEqual({
      bootId: 1,
      ackedThrough: 1,
      stored: 1,
      duplicates: 0,
      rejected: 1,
    })
  })

  it('keeps a plausible device clock as device_time, drops one outside -365 d … +5 min', async () => {
    const device = newDevice()
    const now = Date.now()
    await send(frameOf(device, readings(0, 1), { sentUptimeMs: 3000, unixMs: now, timeSource: 'sntp' }))
    await send(
      frameOf(device, readings(1, 1), { sentUptimeMs: 3000, unixMs: now + 3_600_000, timeSource: 'rtc' }),
    )
    await send(
      frameOf(device, readings(2, 1), {
        sentUptimeMs: 3000,
        unixMs: now - 400 * 86_400_000,
        timeSource: 'rtc',
      }),
    )
    const rows = await queryRows<{ seq: number; device_ms: string | null }>(
      collector,
      `SELECT seq, toUnixTimestamp64Milli(device_time) AS device_ms FROM telemetry WHERE device_id = {id:String} ORDER BY seq`,
      { id: device },
    )
    // Reading 0 was taken at uptime 1000, 2000 ms before the send.
    expect(rows).toEqual([
      { seq: 0, device_ms: String(now - 2000) },
      { seq: 1, device_ms: null },
      { seq: 2, device_ms: null },
    ])
  })

  it('places records of an earlier boot before receipt by their uptime distance', async () => {
    await send(readVector('005-earlier-boot'))
    const [row] = await queryRows<{ time_quality: string; age: string }>(
      collector,
      `SELECT time_quality, toUnixTimestamp64Milli(received_at) - toUnixTimestamp64Milli(timestamp) AS age
       FROM telemetry WHERE device_id = 'a4cf12345678' AND boot_id = 7`,
    )
    // The reading (uptime 5000) is 100 ms older than the newest record of the frame (5100).
    expect(row).toEqual({ time_quality: 'received', age: '100' })
  })

  it.each(
    readdirSync(vectorsDir)
      .filter((file) => /^1\d\d-.*\.json$/.test(file))
      .map((file) => file.slice(0, -'.json'.length)),
  )('refuses negative vector %s with its code', async (name) => {
    const expected = JSON.parse(readFileSync(new URL(`${name}.json`, vectorsDir), 'utf8')).error
    const response = await postFrame(collector.url, deviceKeys.fleet, readVector(name))
    expect(response.status).toBe(400)
    const body = JSON.parse(new TextDecoder().decode(response.body))
    expect(body.error.code).toBe(expected.code)
  })

  it('refuses other content types, bodies over 64 KiB, and missing, unknown, revoked or foreign keys', async () => {
    const device = newDevice()
    const bytes = frameOf(device, readings(0, 1))
    const codeOf = async (response: Promise<{ status: number; body: Uint8Array }>) => {
      const { status, body } = await response
      return [status, JSON.parse(new TextDecoder().decode(body)).error.code]
    }
    expect(await codeOf(postFrame(collector.url, deviceKeys.fleet, bytes, 'application/json'))).toEqual([
      415,
      'RASTRO_ERR_DEVICE_UNSUPPORTED_MEDIA_TYPE',
    ])
    expect(await codeOf(postFrame(collector.url, deviceKeys.fleet, new Uint8Array(64 * 1024 + 1)))).toEqual([
      413,
      'RASTRO_ERR_INGEST_BODY_TOO_LARGE',
    ])
    expect(await codeOf(postFrame(collector.url, undefined, bytes))).toEqual([
      401,
      'RASTRO_ERR_AUTH_MISSING_KEY',
    ])
    expect(await codeOf(postFrame(collector.url, 'dk_not_a_known_key_at_all', bytes))).toEqual([
      401,
      'RASTRO_ERR_AUTH_INVALID_KEY',
    ])
    expect(await codeOf(postFrame(collector.url, deviceKeys.revoked, bytes))).toEqual([
      403,
      'RASTRO_ERR_DEVICE_REVOKED',
    ])
    expect(
      await codeOf(postFrame(collector.url, deviceKeys.fleet, frameOf(revokedDevice, readings(0, 1)))),
    ).toEqual([403, 'RASTRO_ERR_DEVICE_REVOKED'])
    expect(await codeOf(postFrame(collector.url, deviceKeys.bound, bytes))).toEqual([
      403,
      'RASTRO_ERR_AUTH_FORBIDDEN',
    ])
    expect((await send(frameOf(boundDevice, readings(0, 1)), deviceKeys.bound)).stored).toBe(1)
    // A secret or write key is not a device key.
    expect(await codeOf(postFrame(collector.url, 'wk_test_site_one', bytes))).toEqual([
      401,
      'RASTRO_ERR_AUTH_INVALID_KEY',
    ])
    expect(await countRows('telemetry', device)).toBe(0)
  })

  it('answers 503 with Retry-After while ClickHouse cannot store, then stores the resend once', async () => {
    const device = newDevice()
    const bytes = frameOf(device, readings(0, 4))
    const { client } = collector.app.store
    await client.command({ query: 'RENAME TABLE telemetry TO telemetry_away' })
    try {
      const response = await postFrame(collector.url, deviceKeys.fleet, bytes)
      expect(response.status).toBe(503)
      expect(response.headers.get('retry-after')).toBe('5')
      expect(JSON.parse(new TextDecoder().decode(response.body)).error.code).toBe(
        'RASTRO_ERR_STORE_UNAVAILABLE',
      )
    } finally {
      await client.command({ query: 'RENAME TABLE telemetry_away TO telemetry' })
    }
    expect(await send(bytes)).toMatchObject({ ackedThrough: 3, stored: 4, duplicates: 0 })
    expect(await countRows('telemetry', device)).toBe(4)
  })
})
