/**
 * Limits of the device frame protocol (spec/PROTOCOL.md "Limits"). The C library enforces the
 * same ones on the device (c/rastro_device.h).
 */

/** Protocol version this codec reads and writes (header key 0). */
export const PROTOCOL_VERSION = 1

/** Largest frame the collector accepts (bytes); larger ones are refused before decoding. */
export const MAX_FRAME_BYTES = 64 * 1024

/**
 * Default frame size of the C library (bytes): one TLS out-record at ESP-IDF defaults
 * (MBEDTLS_SSL_OUT_CONTENT_LEN 4096) and one AWS IoT (5 KB) or Azure IoT Hub (4 KB) billing unit.
 * Devices may use 512 B to 16 KiB.
 */
export const DEFAULT_FRAME_BYTES = 4096
export const MIN_DEVICE_FRAME_BYTES = 512
export const MAX_DEVICE_FRAME_BYTES = 16 * 1024

/** Deepest nesting (top-level items are depth 1): header map 1, records 1, record 2, properties 3, value 4. */
export const MAX_DEPTH = 4

/** Most records in one frame. */
export const MAX_RECORDS = 4096
/** Most pairs in a map (header or properties). */
export const MAX_MAP_PAIRS = 64

/** Device id length (bytes): a MAC address is 6, a serial number up to 16. */
export const MIN_DEVICE_ID_BYTES = 6
export const MAX_DEVICE_ID_BYTES = 16

/** Text limits (UTF-8 bytes). */
export const MAX_NAME_BYTES = 200
export const MAX_METRIC_BYTES = 100
export const MAX_UNIT_BYTES = 16
export const MAX_USER_ID_BYTES = 200
export const MAX_PROPERTY_KEY_BYTES = 100
export const MAX_PROPERTY_TEXT_BYTES = 1000
export const MAX_FIRMWARE_BYTES = 32

/** Largest boot id and sequence number (both uint32). */
export const MAX_UINT32 = 0xffff_ffff
