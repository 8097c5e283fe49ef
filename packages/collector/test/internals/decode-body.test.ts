import { Readable, getDefaultHighWaterMark } from 'node:stream'
import { deflateSync, gzipSync } from 'node:zlib'
import { describe, expect, it } from 'vitest'
import { decodeBody, getBodyDecoder } from '../../src/ingest/decode-body.js'
import { createZipBomb } from '../fixtures/create-zip-bomb.js'

/** The bytes as a stream of 16 KiB chunks, like a socket delivers them; `pulled` counts what was read. */
function chunked(bytes: Buffer): Readable & { pulled: number } {
  let at = 0
  const stream = new Readable({
    read() {
      const chunk = bytes.subarray(at, at + 16_384)
      at += chunk.length
      stream.pulled = at
      this.push(chunk.length > 0 ? chunk : null)
    },
  }) as Readable & { pulled: number }
  stream.pulled = 0
  return stream
}

async function read(stream: Readable): Promise<{ bytes: number; error?: any }> {
  let bytes = 0
  try {
    for await (const chunk of stream) bytes += (chunk as Buffer).length
    return { bytes }
  } catch (error) {
    return { bytes, error }
  }
}

describe('getBodyDecoder', () => {
  it('maps Content-Encoding to a decoder and refuses the rest with a 415', () => {
    expect(getBodyDecoder(undefined)).toBeUndefined()
    expect(getBodyDecoder('identity')).toBeUndefined()
    expect(getBodyDecoder('GZIP')).toBe('gzip')
    expect(getBodyDecoder('x-gzip')).toBe('gzip')
    expect(getBodyDecoder(' deflate ')).toBe('deflate')
    for (const coding of ['br', 'gzip, br', 'compress']) {
      expect(() => getBodyDecoder(coding)).toThrow(
        expect.objectContaining({ code: 'RASTRO_ERR_INGEST_UNSUPPORTED_ENCODING', statusCode: 415 }),
      )
    }
  })
})

describe('decodeBody', () => {
  it('inflates gzip and deflate and counts the bytes received on the wire', async () => {
    const text = JSON.stringify({ batch: Array.from({ length: 2_000 }, (_, i) => ({ event: `e${i}` })) })
    for (const [decoder, encoded] of [
      ['gzip', gzipSync(text)],
      ['deflate', deflateSync(text)],
    ] as const) {
      const body = decodeBody(chunked(encoded), decoder, 1_000_000)
      expect(await read(body)).toEqual({ bytes: Buffer.byteLength(text) })
      expect(body.receivedEncodedLength).toBe(encoded.length)
    }
  })

  it('stops inflating a zip bomb at the limit and fails with a 413', async () => {
    const limit = 500 * 1024
    const bomb = await createZipBomb(512)
    const wire = chunked(bomb)
    const body = decodeBody(wire, 'gzip', limit)
    const { bytes, error } = await read(body)
    expect(error).toMatchObject({ code: 'RASTRO_ERR_INGEST_BODY_TOO_LARGE', statusCode: 413 })
    expect(bytes).toBeLessThanOrEqual(limit)
    await new Promise((resolve) => setTimeout(resolve, 50))
    // It stopped reading the wire of the ~500 KiB bomb once the read-ahead buffers were full: the
    // wire's and the inflater's (Node's default high-water mark: 16 KiB up to Node 20, 64 KiB from 22).
    const readAhead = 4 * 16_384 + 2 * getDefaultHighWaterMark(false)
    expect(bomb.length).toBeGreaterThan(2 * readAhead)
    expect(wire.pulled).toBeLessThanOrEqual(readAhead)
  })

  it('fails with a 400 on bytes that are not what the header says', async () => {
    const { error } = await read(decodeBody(chunked(Buffer.from('{"plain":"json"}')), 'deflate', 1_000))
    expect(error).toMatchObject({ code: 'RASTRO_ERR_INGEST_INVALID_BODY', statusCode: 400 })
  })
})
