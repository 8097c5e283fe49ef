/**
 * The log's record framing: `[u32 length][u32 CRC-32][payload]`, little-endian, CRC-32 (the zlib
 * polynomial, computed natively by `zlib.crc32`) over the payload only. An empty payload is never
 * written, so a zero-filled tail (a file extended but not written before a power loss) reads as
 * torn, not as records.
 */
import { crc32 } from 'node:zlib'

/** Bytes of a record's header: length and CRC, both u32. */
export const RECORD_HEADER_BYTES = 8

/** Largest payload one record may hold (bytes): far above a 500 KiB batch, far below u32. */
export const MAX_RECORD_BYTES = 64 * 1024 * 1024

/**
 * Payloads of at least this size are written from their own buffer, after their header (bytes):
 * one more write call costs less than copying them.
 */
const DIRECT_PAYLOAD_BYTES = 64 * 1024

/** Largest size of the reused staging buffer (bytes): it holds headers and payloads under {@link DIRECT_PAYLOAD_BYTES}. */
const STAGING_MAX_BYTES = 1024 * 1024

/** The buffer small records are staged in, grown by doubling up to {@link STAGING_MAX_BYTES}. */
let staging = Buffer.allocUnsafeSlow(64 * 1024)

/**
 * Frames `payloads` as consecutive records: the pieces to write, one after the other, at the
 * frame's position. Headers and payloads under 64 KiB are copied into one reused staging buffer
 * (a group commit of many small records stays one write); a larger payload is its own piece, after
 * the staged bytes before it. Each staged piece is a view of the buffer the next piece may reuse:
 * write a piece before asking for the next.
 *
 * A new buffer per group commit cost its pages' first-touch faults (copying the payloads into it
 * took ~2 µs per event at the maximum, profiled); with one frame buffer reused up to 4 MiB, a
 * commit of batches of 500 events (~450 KB each) still got a new one past that, and the copies
 * were 12% of the main thread at the maximum (profiled).
 */
export function* frameRecords(payloads: readonly Buffer[]): Generator<Buffer, void, undefined> {
  let at = 0
  for (const payload of payloads) {
    const direct = payload.length >= DIRECT_PAYLOAD_BYTES
    const staged = RECORD_HEADER_BYTES + (direct ? 0 : payload.length)
    if (at + staged > staging.length) {
      if (staging.length < STAGING_MAX_BYTES) {
        let size = staging.length
        while (size < at + staged && size < STAGING_MAX_BYTES) size *= 2
        const grown = Buffer.allocUnsafeSlow(size)
        staging.copy(grown, 0, 0, at)
        staging = grown
      }
      if (at + staged > staging.length) {
        yield staging.subarray(0, at)
        at = 0
      }
    }
    staging.writeUInt32LE(payload.length, at)
    staging.writeUInt32LE(crc32(payload), at + 4)
    at += RECORD_HEADER_BYTES
    if (direct) {
      yield staging.subarray(0, at)
      at = 0
      yield payload
    } else {
      payload.copy(staging, at)
      at += payload.length
    }
  }
  if (at > 0) yield staging.subarray(0, at)
}

/** One record read back: its payload and where it starts and ends in the log (byte positions). */
export interface LogRecord {
  position: number
  end: number
  payload: Buffer
}

/** Outcome of {@link parseRecords}. */
export interface ParsedRecords {
  records: LogRecord[]
  /** Bytes of `bytes` taken by whole, valid records. */
  validBytes: number
  /**
   * Why parsing stopped before the end of `bytes`: `partial` (the next record is cut off by the
   * end of the buffer: read more), `corrupt` (bad length or CRC), or undefined (all consumed).
   */
  stop: 'partial' | 'corrupt' | undefined
  /** Length the next record claims, when it was `partial` (to read it whole). */
  nextRecordBytes: number | undefined
}

/** A range of log positions, `from` inclusive, `to` exclusive. */
export interface LogRange {
  from: number
  to: number
}

/**
 * Parses the records in `bytes`, which starts at log position `position`. Payloads are views of
 * `bytes`, not copies. The CRC of a record that lies within `checked` is not computed again (see
 * `SegmentLog.read`); every other record's is.
 */
export function parseRecords(bytes: Buffer, position: number, checked?: LogRange): ParsedRecords {
  const records: LogRecord[] = []
  let at = 0
  while (at < bytes.length) {
    if (bytes.length - at < RECORD_HEADER_BYTES) {
      return { records, validBytes: at, stop: 'partial', nextRecordBytes: undefined }
    }
    const length = bytes.readUInt32LE(at)
    if (length === 0 || length > MAX_RECORD_BYTES) {
      return { records, validBytes: at, stop: 'corrupt', nextRecordBytes: undefined }
    }
    const end = at + RECORD_HEADER_BYTES + length
    if (end > bytes.length) {
      return { records, validBytes: at, stop: 'partial', nextRecordBytes: RECORD_HEADER_BYTES + length }
    }
    const payload = bytes.subarray(at + RECORD_HEADER_BYTES, end)
    const known = checked !== undefined && position + at >= checked.from && position + end <= checked.to
    if (!known && crc32(payload) !== bytes.readUInt32LE(at + 4)) {
      return { records, validBytes: at, stop: 'corrupt', nextRecordBytes: undefined }
    }
    records.push({ position: position + at, end: position + end, payload })
    at = end
  }
  return { records, validBytes: at, stop: undefined, nextRecordBytes: undefined }
}
