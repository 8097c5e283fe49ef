import CRC32 from 'crc-32'

/**
 * CRC-32/ISO-HDLC (zlib's crc32, the ESP32 ROM's `crc32_le`) of `bytes`, as an unsigned 32-bit
 * number. `crc32("123456789") = 0xCBF43926`. Node has `zlib.crc32` only from 22.2, so this uses
 * the `crc-32` package (https://www.npmjs.com/package/crc-32) on Node 20.
 */
export function getCrc32(bytes: Uint8Array): number {
  return CRC32.buf(bytes) >>> 0
}
