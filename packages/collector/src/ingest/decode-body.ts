/**
 * Decompresses gzip and deflate request bodies (`Content-Encoding`, RFC 9110 §8.4.1) before Fastify
 * parses them. The route's body limit applies to the decompressed bytes, and decompression stops as
 * soon as it is passed: a zip bomb (500 KiB of gzip inflates to ~500 MiB) costs at most `limit`
 * bytes of output and answers 413, never an out-of-memory.
 */
import { Transform, type Readable, type TransformCallback } from 'node:stream'
import { createGunzip, createInflate } from 'node:zlib'
import { createError } from '../errors.js'

/** A decoded body stream; Fastify checks `Content-Length` against `receivedEncodedLength` (bytes on the wire). */
export type DecodedBody = Transform & { receivedEncodedLength: number }

/**
 * Reads `Content-Encoding` (case-insensitive, one coding only): `gzip`/`x-gzip` and `deflate` (the
 * zlib format, RFC 1950, as RFC 9110 §8.4.1.2 defines it) are decoded; `identity` or no header
 * means the body as is.
 *
 * @returns the decoder to use, or `undefined` for an identity body.
 * @throws `RASTRO_ERR_INGEST_UNSUPPORTED_ENCODING` (415) for any other coding, including lists (`gzip, br`).
 */
export function getBodyDecoder(contentEncoding: string | undefined): 'gzip' | 'deflate' | undefined {
  const coding = contentEncoding?.trim().toLowerCase() ?? ''
  if (coding === '' || coding === 'identity') return undefined
  if (coding === 'gzip' || coding === 'x-gzip') return 'gzip'
  if (coding === 'deflate') return 'deflate'
  throw createError('RASTRO_ERR_INGEST_UNSUPPORTED_ENCODING', {
    message: `Content-Encoding "${contentEncoding}" is not supported; use gzip, deflate or identity`,
  })
}

/**
 * Pipes `payload` through the decoder and returns the decompressed stream. It fails with
 * `RASTRO_ERR_INGEST_BODY_TOO_LARGE` (413) once more than `limitBytes` come out, and with
 * `RASTRO_ERR_INGEST_INVALID_BODY` (400) when the bytes are not valid gzip/deflate.
 */
export function decodeBody(payload: Readable, decoder: 'gzip' | 'deflate', limitBytes: number): DecodedBody {
  const inflater = decoder === 'gzip' ? createGunzip() : createInflate()
  let decodedBytes = 0
  const output = new Transform({
    transform(chunk: Buffer, _encoding: BufferEncoding, callback: TransformCallback) {
      decodedBytes += chunk.length
      if (decodedBytes <= limitBytes) return callback(null, chunk)
      stop()
      callback(
        createError('RASTRO_ERR_INGEST_BODY_TOO_LARGE', {
          message: `the decompressed body is over the limit of ${limitBytes} bytes`,
        }),
      )
    },
  }) as DecodedBody
  output.receivedEncodedLength = 0

  const countEncoded = (chunk: Buffer): void => {
    output.receivedEncodedLength += chunk.length
  }
  /**
   * Stops reading and inflating. The request stays open so the error answer can be sent; Node
   * discards the rest of its body without inflating it.
   */
  function stop(): void {
    payload.removeListener('data', countEncoded)
    payload.unpipe(inflater)
    payload.pause()
    inflater.destroy()
  }

  payload.on('data', countEncoded)
  payload.on('error', (error) => output.destroy(error))
  inflater.on('error', (cause) => {
    stop()
    output.destroy(
      createError('RASTRO_ERR_INGEST_INVALID_BODY', {
        message: `the body is not valid ${decoder} (${cause.message})`,
        cause,
      }),
    )
  })
  payload.pipe(inflater).pipe(output)
  return output
}
