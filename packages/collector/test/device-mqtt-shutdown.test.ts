/**
 * Closing the collector while MQTT frames wait for their batch: Fastify waits for HTTP requests
 * but not for MQTT messages, so the device path stores what waits and answers the frames before
 * ClickHouse closes (its onClose hook runs before the server's).
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { decodeAck, encodeFrame } from '@rastro/device'
import { connectAsync, type MqttClient } from 'mqtt'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createServer, loadConfig } from '../src/index.js'
import { createDeviceConfig, deviceKeys } from './helpers/device-config.js'
import { startMosquitto, type Broker } from './helpers/start-mosquitto.js'

let broker: Broker
let device: MqttClient
const dataDir = mkdtempSync(join(tmpdir(), 'rastro-mqtt-shutdown-'))

beforeAll(async () => {
  broker = await startMosquitto()
  device = await connectAsync(broker.url)
})
afterAll(async () => {
  await device?.endAsync()
  await broker?.stop()
  rmSync(dataDir, { recursive: true, force: true })
})

async function open(server: Record<string, unknown>) {
  const configPath = join(dataDir, 'rastro.config.json')
  writeFileSync(configPath, JSON.stringify(createDeviceConfig(server)))
  const config = loadConfig({ configPath, env: {}, flags: { dataDir, logLevel: 'error' } })
  return createServer({ config })
}

describe('collector shutdown with MQTT frames in progress', () => {
  it('stores their waiting rows and answers them before ClickHouse closes', async () => {
    // Batches wait a minute: only the close can store them.
    const app = await open({ mqttUrl: broker.url, mqttTopicPrefix: 'shutdown', flushIntervalMs: 60_000 })
    await app.deviceMqttReady
    const key = deviceKeys.fleet
    await device.subscribeAsync(`shutdown/${key}/ack`, { qos: 1 })
    const acked = new Promise<Buffer>((resolve) => {
      const onMessage = (topic: string, message: Buffer) => {
        if (topic !== `shutdown/${key}/ack`) return
        device.off('message', onMessage)
        resolve(message)
      }
      device.on('message', onMessage)
    })
    await device.publishAsync(
      `shutdown/${key}/up`,
      Buffer.from(
        encodeFrame({
          header: { version: 1, deviceId: 'a4cf12005d00', bootId: 1, seqFirst: 0, sentUptimeMs: 10_000 },
          records: [{ type: 'reading', seq: 0, uptimeMs: 9000, metric: 'temp', value: 19 }],
        }),
      ),
      { qos: 1 },
    )
    await new Promise((resolve) => setTimeout(resolve, 300))
    await app.close()
    expect(decodeAck(await acked)).toMatchObject({ ackedThrough: 0, stored: 1 })
    const reopened = await open({})
    try {
      const result = await reopened.store.client.query({
        query: `SELECT (SELECT count() FROM telemetry WHERE device_id = 'a4cf12005d00')
            + (SELECT count() FROM device_seq WHERE device_id = 'a4cf12005d00') AS n`,
        format: 'JSONEachRow',
      })
      expect(await result.json()).toEqual([{ n: '2' }])
    } finally {
      await reopened.close()
    }
  })
})
