/**
 * Composition of the device path (like server.ts, for devices): device keys, the telemetry
 * writer, the seq ledger, `POST /v1/device`, and the MQTT subscriber when `mqttUrl` is set.
 * Events go to the server's event sink, so they share its durability and the `events` table.
 */
import type { ClickHouseClient, ClickHouseSettings } from '@clickhouse/client'
import type { FastifyInstance } from 'fastify'
import { DeviceKeyRing } from './config/device-key-ring.js'
import type { ResolvedConfig } from './config/load-config.js'
import { deviceRoutes } from './ingest/device/device-routes.js'
import { createDeviceFrameHandler } from './ingest/device/handle-device-frame.js'
import { startMqttSubscriber } from './ingest/device/mqtt-subscriber.js'
import type { TelemetryRow } from './ingest/device/telemetry-row.js'
import type { EventSink } from './ingest/event-row.js'
import { BatchWriter } from './store/batch-writer.js'
import { DeviceSeqStore } from './store/device-seq-store.js'
import { TELEMETRY_COLUMNS } from './store/telemetry-columns.js'

export interface DeviceIngestOptions {
  config: ResolvedConfig
  client: ClickHouseClient
  eventSink: EventSink
  /** Added to the telemetry and ledger inserts (`insert_distributed_sync = 1` on a cluster). */
  insertSettings?: ClickHouseSettings | undefined
}

/**
 * Mounts the device path on `app`. On close it stops MQTT and stores what waits in a `preClose`
 * hook, which runs before every `onClose` hook, so before the server's closes ClickHouse
 * (the order of `onClose` hooks depends on how their plugins were registered).
 */
export async function registerDeviceIngest(
  app: FastifyInstance,
  options: DeviceIngestOptions,
): Promise<void> {
  const { config, client, eventSink, insertSettings } = options
  const { settings } = config
  const keyRing = new DeviceKeyRing(config.tenants)
  const telemetrySink = new BatchWriter<TelemetryRow>({
    client,
    log: app.log,
    table: 'telemetry',
    columns: TELEMETRY_COLUMNS,
    flushIntervalMs: settings.flushIntervalMs,
    maxBatchRows: settings.maxBatchRows,
    insertSettings,
  })
  const ledger = new DeviceSeqStore({
    client,
    log: app.log,
    flushIntervalMs: settings.flushIntervalMs,
    insertSettings,
  })
  const handleFrame = createDeviceFrameHandler({
    eventSink,
    telemetrySink,
    ledger,
    isRevokedDevice: (tenantId, deviceId) => keyRing.isRevokedDevice(tenantId, deviceId),
    log: app.log,
  })
  await app.register(deviceRoutes, { keyRing, handleFrame })
  const mqtt = settings.mqttUrl
    ? startMqttSubscriber({
        url: settings.mqttUrl,
        topicPrefix: settings.mqttTopicPrefix,
        keyRing,
        handleFrame,
        log: app.log,
      })
    : undefined
  app.decorate('deviceMqttReady', mqtt?.ready)
  app.addHook('preClose', async () => {
    // MQTT frames are not HTTP requests, so Fastify does not wait for them: stop taking them,
    // store what waits, and let them finish. Closed writers insert at once from now on, also
    // for the HTTP requests Fastify still lets finish before its onClose hooks.
    const draining = mqtt?.close()
    await Promise.all([telemetrySink.close(), ledger.close()])
    await draining
  })
}

declare module 'fastify' {
  interface FastifyInstance {
    /** Resolves once the MQTT subscriber is subscribed; undefined without `mqttUrl`. */
    deviceMqttReady: Promise<void> | undefined
  }
}
