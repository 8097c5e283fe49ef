/**
 * Device frames over MQTT: a real Mosquitto broker on a free loopback port (installed with
 * `apt-get install -y mosquitto`; this test fails, it does not skip, when it is missing), the
 * collector subscribed to `rastro/+/up`, and a device publishing frames and reading acks.
 */
import { decodeAck, encodeFrame, type DeviceRecord, type FrameAck, type FrameAckError } from '@rastro/device'
import { connectAsync, type MqttClient } from 'mqtt'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createDeviceConfig, deviceKeys } from './helpers/device-config.js'
import { startMosquitto, type Broker } from './helpers/start-mosquitto.js'
import { queryRows, startCollector, type RunningCollector } from './helpers/start-collector.js'

let broker: Broker
let collector: RunningCollector
let device: MqttClient

beforeAll(async () => {
  broker = await startMosquitto()
  collector = await startCollector({ config: createDeviceConfig({ mqttUrl: broker.url }) })
  await collector.app.deviceMqttReady
  device = await connectAsync(broker.url)
})

afterAll(async () => {
  await device?.endAsync()
  await collector?.stop()
  await broker?.stop()
})

/** Publishes `payload` as device key `key` and waits for the collector's ack. */
async function publish(key: string, payload: Uint8Array): Promise<FrameAck | FrameAckError> {
  const ackTopic = `rastro/${key}/ack`
  await device.subscribeAsync(ackTopic, { qos: 1 })
  const answer = new Promise<Uint8Array>((resolve) => {
    const onMessage = (topic: string, message: Buffer) => {
      if (topic !== ackTopic) return
      device.off('message', onMessage)
      resolve(message)
    }
    device.on('message', onMessage)
  })
  await device.publishAsync(`rastro/${key}/up`, Buffer.from(payload), { qos: 1 })
  return decodeAck(await answer)
}

function frame(deviceId: string, records: DeviceRecord[]): Uint8Array {
  return encodeFrame({
    header: { version: 1, deviceId, bootId: 9, seqFirst: records[0]!.seq, sentUptimeMs: 10_000 },
    records,
  })
}

describe('device frames over MQTT', () => {
  it('stores a frame, acks it on <prefix>/<key>/ack, and stores a redelivery once', async () => {
    const records: DeviceRecord[] = [
      { type: 'reading', seq: 40, uptimeMs: 9000, metric: 'humidity', value: 41.5, unit: '%' },
      {
        type: 'event',
        seq: 41,
        uptimeMs: 9500,
        name: 'rfid_tap',
        properties: { reader: 'bar-1' },
        userId: 'cust-7',
      },
    ]
    const bytes = frame('a4cf1200a771', records)
    expect(await publish(deviceKeys.fleet, bytes)).toEqual({
      bootId: 9,
      ackedThrough: 41,
      stored: 2,
      duplicates: 0,
      rejected: 0,
    })
    expect(await publish(deviceKeys.fleet, bytes)).toMatchObject({
      ackedThrough: 41,
      stored: 0,
      duplicates: 2,
    })
    const rows = await queryRows<{ n: string }>(
      collector,
      `SELECT (SELECT count() FROM telemetry WHERE device_id = 'a4cf1200a771')
        + (SELECT count() FROM events WHERE anonymous_id = 'device:a4cf1200a771' AND user_id = 'cust-7') AS n`,
    )
    expect(rows).toEqual([{ n: '2' }])
  })

  it('answers a bad frame or an unknown key with {5: status, 6: code}', async () => {
    const bad = frame('a4cf1200a772', [{ type: 'reading', seq: 0, uptimeMs: 1, metric: 't', value: 1 }])
    bad[bad.length - 1]! ^= 0xff
    expect(await publish(deviceKeys.fleet, bad)).toEqual({
      status: 400,
      code: 'RASTRO_ERR_DEVICE_FRAME_CRC_MISMATCH',
    })
    expect(await publish('dk_unknown_key_for_mqtt', bad)).toEqual({
      status: 401,
      code: 'RASTRO_ERR_AUTH_INVALID_KEY',
    })
  })
})
