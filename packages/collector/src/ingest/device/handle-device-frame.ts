/**
 * Stores one device frame, whatever the transport (HTTP or MQTT): decode, check the device may
 * send, skip the records already stored, store the rest, record their seqs, and compute the
 * ack. Frames of one device are handled one at a time, so a resend racing its original is
 * stored once. The ack counts only what is durably stored: it is computed after the sinks and
 * the ledger resolve.
 */
import { decodeFrame, DeviceFrameError, type DeviceFrame, type FrameAck } from '@rastro/device'
import type { FastifyBaseLogger } from 'fastify'
import type { DeviceKeyRef } from '../../config/device-key-ring.js'
import { createError } from '../../errors.js'
import type { EventSink } from '../event-row.js'
import { createDeviceRows } from './create-device-rows.js'
import { getAckedThrough, isStored, type DeviceBoot, type SeqLedger } from './seq-ledger.js'
import type { TelemetrySink } from './telemetry-row.js'

export interface DeviceFrameHandlerOptions {
  eventSink: EventSink
  telemetrySink: TelemetrySink
  ledger: SeqLedger
  isRevokedDevice(tenantId: string, deviceId: string): boolean
  log: FastifyBaseLogger
}

/** What the transport knows about a frame besides its bytes. */
export interface DeviceFrameInfo {
  key: DeviceKeyRef
  /** Epoch ms. */
  receivedAt: number
  /** Anonymised client IP, `''` when unknown. */
  ip: string
}

/**
 * Stores `bytes` and answers the ack.
 * @throws RastroError `RASTRO_ERR_DEVICE_*` (400/413) for a refused frame, `RASTRO_ERR_DEVICE_REVOKED`
 *   (403), `RASTRO_ERR_AUTH_FORBIDDEN` (403) when the key is bound to another device,
 *   `RASTRO_ERR_STORE_UNAVAILABLE` (503, retry) when the store fails.
 */
export type DeviceFrameHandler = (bytes: Uint8Array, info: DeviceFrameInfo) => Promise<FrameAck>

function decode(bytes: Uint8Array): DeviceFrame {
  try {
    return decodeFrame(bytes)
  } catch (error) {
    if (error instanceof DeviceFrameError) {
      throw createError(error.code, { message: error.message, field: error.field })
    }
    throw error
  }
}

export function createDeviceFrameHandler(options: DeviceFrameHandlerOptions): DeviceFrameHandler {
  const { eventSink, telemetrySink, ledger, log } = options
  // Per device: the promise of its frame in progress.
  const queues = new Map<string, Promise<unknown>>()

  function runInTurn<T>(key: string, task: () => Promise<T>): Promise<T> {
    const run = (queues.get(key) ?? Promise.resolve()).then(task, task)
    const settled = run.then(
      () => undefined,
      () => undefined,
    )
    queues.set(key, settled)
    void settled.then(() => {
      if (queues.get(key) === settled) queues.delete(key)
    })
    return run
  }

  async function store(frame: DeviceFrame, info: DeviceFrameInfo): Promise<FrameAck> {
    const { header, records } = frame
    const boot: DeviceBoot = { tenantId: info.key.tenantId, deviceId: header.deviceId, bootId: header.bootId }
    const range = { seqFirst: header.seqFirst, seqLast: header.seqFirst + records.length - 1 }
    try {
      const stored = await ledger.getRanges(boot, range.seqFirst)
      const fresh = records.filter((record) => !isStored(stored, record.seq))
      const newestUptimeMs = Math.max(...records.map((record) => record.uptimeMs))
      const rows = createDeviceRows(header, fresh, newestUptimeMs, {
        tenantId: info.key.tenantId,
        retentionDays: info.key.retentionDays,
        receivedAt: info.receivedAt,
        ip: info.ip,
      })
      await Promise.all([
        rows.events.length > 0 ? eventSink.write(rows.events) : undefined,
        rows.telemetry.length > 0 ? telemetrySink.write(rows.telemetry) : undefined,
      ])
      if (fresh.length > 0) {
        await ledger.record(boot, range, {
          receivedAt: info.receivedAt,
          retentionDays: info.key.retentionDays,
        })
      }
      const rejected = fresh.filter((record) => record.type === 'rejected')
      if (rejected.length > 0)
        log.info({ device: header.deviceId, rejected: rejected.slice(0, 20) }, 'rejected device records')
      return {
        bootId: header.bootId,
        ackedThrough: getAckedThrough(fresh.length > 0 ? [...stored, range] : stored, range.seqFirst),
        stored: fresh.length - rejected.length,
        duplicates: records.length - fresh.length,
        rejected: rejected.length,
      }
    } catch (cause) {
      log.error({ err: cause, device: header.deviceId }, 'could not store device frame')
      throw createError('RASTRO_ERR_STORE_UNAVAILABLE', { retryAfterSeconds: 5, cause })
    }
  }

  return async (bytes, info) => {
    const frame = decode(bytes)
    const { deviceId } = frame.header
    if (info.key.revoked || options.isRevokedDevice(info.key.tenantId, deviceId)) {
      throw createError('RASTRO_ERR_DEVICE_REVOKED', {
        message: info.key.revoked ? 'this device key is revoked' : `device ${deviceId} is revoked`,
      })
    }
    if (info.key.deviceId !== undefined && info.key.deviceId !== deviceId) {
      throw createError('RASTRO_ERR_AUTH_FORBIDDEN', {
        message: `this device key is for device ${info.key.deviceId}, not ${deviceId}`,
        field: 'header.deviceId',
      })
    }
    return runInTurn(`${info.key.tenantId}/${deviceId}`, () => store(frame, info))
  }
}
