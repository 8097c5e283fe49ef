/**
 * `@rastro/device`: the TypeScript codec of Rastro's device frame protocol (spec/PROTOCOL.md).
 * The C library for firmware ships in `c/`, the CDDL and prose spec in `spec/`, the shared test
 * vectors in `vectors/`.
 */
export * from './limits.js'
export * from './frame-types.js'
export {
  DeviceFrameError,
  type DeviceFrameErrorCode,
  type DeviceRecordErrorCode,
} from './device-frame-error.js'
export { decodeFrame } from './decode-frame.js'
export { encodeFrame } from './encode-frame.js'
export { encodeAck, encodeAckError, decodeAck } from './frame-ack.js'
export { CborWriter, compareTextKeys } from './cbor-writer.js'
export { getCrc32 } from './get-crc32.js'
export { validateCborStructure } from './validate-cbor-structure.js'
