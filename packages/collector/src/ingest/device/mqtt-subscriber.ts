/**
 * Takes device frames from an MQTT broker: subscribes to `<prefix>/+/up` (the topic level is the
 * device key) and publishes the CBOR ack, or `{5: status, 6: code}` on error, to
 * `<prefix>/<key>/ack`, both at QoS 1. The broker's PUBACK only means the broker has the frame;
 * the device frees its records on our ack, sent after they are durably stored, as over HTTP.
 */
import { encodeAck, encodeAckError, MAX_FRAME_BYTES } from '@rastro/device'
import { setTimeout as delay } from 'node:timers/promises'
import type { FastifyBaseLogger } from 'fastify'
import { connect } from 'mqtt'
import type { DeviceKeyRing } from '../../config/device-key-ring.js'
import { createError, RastroError } from '../../errors.js'
import type { DeviceFrameHandler } from './handle-device-frame.js'

export interface MqttSubscriberOptions {
  /** Broker URL (`mqtt://user:pass@host:1883`). */
  url: string
  topicPrefix: string
  keyRing: DeviceKeyRing
  handleFrame: DeviceFrameHandler
  log: FastifyBaseLogger
}

export interface MqttSubscriber {
  /** Resolves once subscribed (for tests and the start-up log); rejects never, logs instead. */
  ready: Promise<void>
  /** Stops taking frames at once, answers the ones in progress (5 s at most), then disconnects. */
  close(): Promise<void>
}

export function startMqttSubscriber(options: MqttSubscriberOptions): MqttSubscriber {
  const { topicPrefix, keyRing, handleFrame, log } = options
  const upTopic = `${topicPrefix}/+/up`
  const client = connect(options.url, { reconnectPeriod: 1000, connectTimeout: 10_000 })
  const inFlight = new Set<Promise<void>>()
  // Once closing, frames are left unanswered: the device resends them to the next collector.
  let closing = false
  let markReady: () => void
  const ready = new Promise<void>((resolve) => {
    markReady = resolve
  })

  // Clean sessions: subscribe again on every (re)connect.
  client.on('connect', () => {
    client.subscribe(upTopic, { qos: 1 }, (error) => {
      if (error) log.error({ err: error, topic: upTopic }, 'MQTT subscribe failed')
      else {
        log.info({ topic: upTopic }, 'taking device frames from MQTT')
        markReady()
      }
    })
  })
  client.on('error', (error) => log.error({ err: error }, 'MQTT client error'))

  async function answer(deviceKey: string, payload: Buffer): Promise<Uint8Array> {
    try {
      if (payload.length > MAX_FRAME_BYTES) {
        throw createError('RASTRO_ERR_DEVICE_FRAME_TOO_LARGE', {
          message: `the frame is ${payload.length} bytes`,
        })
      }
      const key = keyRing.findDeviceKey(deviceKey)
      if (!key) throw createError('RASTRO_ERR_AUTH_INVALID_KEY', { message: 'unknown device key' })
      return encodeAck(await handleFrame(payload, { key, receivedAt: Date.now(), ip: '' }))
    } catch (error) {
      const rastroError =
        error instanceof RastroError ? error : createError('RASTRO_ERR_INTERNAL', { cause: error })
      if (rastroError.statusCode >= 500) log.error({ err: error }, 'MQTT device frame failed')
      return encodeAckError({ status: rastroError.statusCode, code: rastroError.code })
    }
  }

  client.on('message', (topic, payload) => {
    if (closing) return
    const deviceKey = topic.slice(topicPrefix.length + 1, -'/up'.length)
    const work = answer(deviceKey, payload).then(
      (ack) =>
        new Promise<void>((resolve) => {
          client.publish(`${topicPrefix}/${deviceKey}/ack`, Buffer.from(ack), { qos: 1 }, (error) => {
            if (error) log.warn({ err: error }, 'MQTT ack not published; the device will resend')
            resolve()
          })
        }),
    )
    inFlight.add(work)
    void work.finally(() => inFlight.delete(work))
  })

  return {
    ready,
    async close() {
      closing = true
      if (client.connected) await client.unsubscribeAsync(upTopic).catch(() => undefined)
      // A broker that went away would hold QoS 1 publishes forever: wait a little, then go.
      await Promise.race([Promise.all(inFlight), delay(5000, undefined, { ref: false })])
      await client.endAsync(true)
    },
  }
}
