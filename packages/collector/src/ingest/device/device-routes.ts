/**
 * `POST /v1/device`: a device frame (spec/PROTOCOL.md) as `application/cbor`, authenticated by a
 * device key (`Authorization: Bearer <key>`). Bodies over 64 KiB are refused before they are
 * read into memory; the answer to a stored frame is the CBOR ack.
 */
import { encodeAck, MAX_FRAME_BYTES } from '@rastro/device'
import type { FastifyInstance, FastifyRequest } from 'fastify'
import type { DeviceKeyRef, DeviceKeyRing } from '../../config/device-key-ring.js'
import { createError } from '../../errors.js'
import { anonymiseIp } from '../../util/anonymise-ip.js'
import type { DeviceFrameHandler } from './handle-device-frame.js'

export interface DeviceRoutesOptions {
  keyRing: DeviceKeyRing
  handleFrame: DeviceFrameHandler
}

function authenticate(request: FastifyRequest, keyRing: DeviceKeyRing): DeviceKeyRef {
  const match = /^Bearer\s+(\S+)$/i.exec(request.headers.authorization ?? '')
  if (!match) {
    throw createError('RASTRO_ERR_AUTH_MISSING_KEY', {
      message: 'send the device key as "Authorization: Bearer <key>"',
    })
  }
  const key = keyRing.findDeviceKey(match[1]!)
  if (!key) throw createError('RASTRO_ERR_AUTH_INVALID_KEY', { message: 'unknown device key' })
  return key
}

export async function deviceRoutes(fastify: FastifyInstance, options: DeviceRoutesOptions): Promise<void> {
  const { keyRing, handleFrame } = options
  // This plugin's scope reads every body as bytes; the route checks the type itself so any
  // other type gets the device's own error instead of a JSON parse error.
  fastify.removeAllContentTypeParsers()
  fastify.addContentTypeParser('*', { parseAs: 'buffer' }, (_request, body, done) => done(null, body))

  fastify.post('/v1/device', { bodyLimit: MAX_FRAME_BYTES }, async (request, reply) => {
    const key = authenticate(request, keyRing)
    const type = request.headers['content-type']?.split(';')[0]?.trim().toLowerCase()
    if (type !== 'application/cbor' || !Buffer.isBuffer(request.body)) {
      throw createError('RASTRO_ERR_DEVICE_UNSUPPORTED_MEDIA_TYPE', {
        message: `send the frame as application/cbor, not ${type ?? 'no Content-Type'}`,
      })
    }
    const ack = await handleFrame(request.body, { key, receivedAt: Date.now(), ip: anonymiseIp(request.ip) })
    return reply.type('application/cbor').send(Buffer.from(encodeAck(ack)))
  })
}
