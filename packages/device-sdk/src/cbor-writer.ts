/**
 * A deterministic CBOR writer (RFC 8949 §4.2.1 core deterministic encoding) for the values the
 * protocol uses; the C library's encoder writes the same bytes for the same calls.
 */

const textEncoder = new TextEncoder()

/**
 * Half-precision bits of `value` when it is exactly representable as a half float (normal or
 * subnormal), else undefined. Node 20 has no `Math.f16round`/`DataView.setFloat16`.
 */
function toHalfBits(value: number, view: DataView): number | undefined {
  if (Math.fround(value) !== value) return undefined
  view.setFloat32(0, value)
  const bits = view.getUint32(0)
  const sign = (bits >>> 16) & 0x8000
  const exponent = ((bits >>> 23) & 0xff) - 127
  const mantissa = bits & 0x7fffff
  if (exponent >= -14 && exponent <= 15) {
    return (mantissa & 0x1fff) === 0 ? sign | ((exponent + 15) << 10) | (mantissa >>> 13) : undefined
  }
  if (exponent >= -24 && exponent < -14) {
    const significand = mantissa | 0x800000
    const shift = 13 + (-14 - exponent)
    return (significand & ((1 << shift) - 1)) === 0 ? sign | (significand >>> shift) : undefined
  }
  return undefined
}

export class CborWriter {
  #buffer = new Uint8Array(256)
  #view = new DataView(this.#buffer.buffer)
  #length = 0
  readonly #scratch = new DataView(new ArrayBuffer(8))

  /** Makes room for `bytes` more bytes (may replace the buffer) and returns where they go. */
  #reserve(bytes: number): number {
    if (this.#length + bytes > this.#buffer.length) {
      const grown = new Uint8Array(Math.max(this.#buffer.length * 2, this.#length + bytes))
      grown.set(this.#buffer.subarray(0, this.#length))
      this.#buffer = grown
      this.#view = new DataView(grown.buffer)
    }
    const at = this.#length
    this.#length += bytes
    return at
  }

  /** Initial byte and argument, shortest form. `argument` up to 2^64 - 1 (bigint above 2^53). */
  #head(major: number, argument: number | bigint): this {
    const value = BigInt(argument)
    const type = major << 5
    if (value < 24n) {
      const at = this.#reserve(1)
      this.#buffer[at] = type | Number(value)
    } else if (value <= 0xffn) {
      const at = this.#reserve(2)
      this.#buffer[at] = type | 24
      this.#buffer[at + 1] = Number(value)
    } else if (value <= 0xffffn) {
      const at = this.#reserve(3)
      this.#buffer[at] = type | 25
      this.#view.setUint16(at + 1, Number(value))
    } else if (value <= 0xffff_ffffn) {
      const at = this.#reserve(5)
      this.#buffer[at] = type | 26
      this.#view.setUint32(at + 1, Number(value))
    } else {
      const at = this.#reserve(9)
      this.#buffer[at] = type | 27
      this.#view.setBigUint64(at + 1, value)
    }
    return this
  }

  /** Unsigned integer (major type 0). */
  uint(value: number | bigint): this {
    if (BigInt(value) < 0n) throw new RangeError(`${value} is negative`)
    return this.#head(0, value)
  }

  /** Integer of either sign (major type 0 or 1). */
  int(value: number | bigint): this {
    const big = BigInt(value)
    return big < 0n ? this.#head(1, -1n - big) : this.#head(0, big)
  }

  /** Float in the shortest of half/single/double that keeps it exactly (RFC 8949 §4.2.2); NaN as 0xf97e00. */
  float(value: number): this {
    if (Number.isNaN(value)) return this.raw(Uint8Array.of(0xf9, 0x7e, 0x00))
    const half = toHalfBits(value, this.#scratch)
    if (half !== undefined) {
      const at = this.#reserve(3)
      this.#buffer[at] = 0xf9
      this.#view.setUint16(at + 1, half)
    } else if (Math.fround(value) === value) {
      const at = this.#reserve(5)
      this.#buffer[at] = 0xfa
      this.#view.setFloat32(at + 1, value)
    } else {
      const at = this.#reserve(9)
      this.#buffer[at] = 0xfb
      this.#view.setFloat64(at + 1, value)
    }
    return this
  }

  /**
   * A number as the protocol sends it: an integer when integral with |value| < 2^32, else the
   * shortest exact float (as `rastro_cbor_number` in C).
   */
  number(value: number): this {
    return Number.isInteger(value) && Math.abs(value) < 2 ** 32 ? this.int(value) : this.float(value)
  }

  text(value: string): this {
    const bytes = textEncoder.encode(value)
    this.#head(3, bytes.length)
    return this.raw(bytes)
  }

  bytes(value: Uint8Array): this {
    this.#head(2, value.length)
    return this.raw(value)
  }

  array(items: number): this {
    return this.#head(4, items)
  }

  map(pairs: number): this {
    return this.#head(5, pairs)
  }

  bool(value: boolean): this {
    return this.raw(Uint8Array.of(value ? 0xf5 : 0xf4))
  }

  null(): this {
    return this.raw(Uint8Array.of(0xf6))
  }

  /** Already-encoded bytes. */
  raw(bytes: Uint8Array): this {
    // Reserve first: it may replace the buffer.
    const at = this.#reserve(bytes.length)
    this.#buffer.set(bytes, at)
    return this
  }

  /** The bytes written so far (a copy). */
  finish(): Uint8Array {
    return this.#buffer.slice(0, this.#length)
  }
}

/**
 * Orders text map keys as deterministic encoding does (RFC 8949 §4.2.1: bytewise on the encoded
 * key): fewer UTF-8 bytes first, then byte by byte.
 */
export function compareTextKeys(a: string, b: string): number {
  const left = textEncoder.encode(a)
  const right = textEncoder.encode(b)
  if (left.length !== right.length) return left.length - right.length
  for (let i = 0; i < left.length; i++) if (left[i] !== right[i]) return left[i]! - right[i]!
  return 0
}
