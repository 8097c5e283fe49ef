/**
 * Why a frame was refused. The codes are part of the collector's HTTP API (listed in
 * docs/errors.md); callers match on `code`, never on the message.
 */

/** Codes of a frame refused as a whole (HTTP 400, or 413 for size). */
export type DeviceFrameErrorCode =
  | 'RASTRO_ERR_DEVICE_FRAME_TOO_LARGE'
  | 'RASTRO_ERR_DEVICE_FRAME_TRUNCATED'
  | 'RASTRO_ERR_DEVICE_FRAME_CRC_MISMATCH'
  | 'RASTRO_ERR_DEVICE_FRAME_TRAILING_BYTES'
  | 'RASTRO_ERR_DEVICE_FRAME_VERSION'
  | 'RASTRO_ERR_DEVICE_FRAME_INVALID'
  | 'RASTRO_ERR_DEVICE_CBOR_MALFORMED'
  | 'RASTRO_ERR_DEVICE_CBOR_INDEFINITE_LENGTH'
  | 'RASTRO_ERR_DEVICE_CBOR_TAG'
  | 'RASTRO_ERR_DEVICE_CBOR_TOO_DEEP'
  | 'RASTRO_ERR_DEVICE_CBOR_LENGTH_TOO_LARGE'
  | 'RASTRO_ERR_DEVICE_CBOR_DUPLICATE_KEY'

/** Code of one record refused inside an accepted frame (it is acknowledged, never resent). */
export type DeviceRecordErrorCode = 'RASTRO_ERR_DEVICE_RECORD_INVALID'

/** A frame the codec refuses: `code`, a message, and the field or byte offset to blame. */
export class DeviceFrameError extends Error {
  readonly code: DeviceFrameErrorCode
  /** The field to blame (`header.deviceId`, `records[3]`), if any. */
  readonly field: string | undefined
  /** Byte offset in the frame where the problem was found, if known. */
  readonly offset: number | undefined

  constructor(
    code: DeviceFrameErrorCode,
    message: string,
    options: { field?: string; offset?: number } = {},
  ) {
    super(message)
    this.name = 'DeviceFrameError'
    this.code = code
    this.field = options.field
    this.offset = options.offset
  }
}
