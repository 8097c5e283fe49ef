/**
 * A set of 64-bit hashes (two u32 halves) in one `Uint32Array`, open addressing with linear
 * probing, kept at most half full: 8 bytes a slot, so 16-32 bytes per id (the table doubles when
 * half full). A `Set` of strings or bigints costs ~5-10x that in V8.
 */
export class HashSet64 {
  #slots: Uint32Array
  #size = 0

  constructor(initialCapacity = 1024) {
    let capacity = 16
    while (capacity < initialCapacity * 2) capacity *= 2
    this.#slots = new Uint32Array(capacity * 2)
  }

  /** Number of hashes held. */
  get size(): number {
    return this.#size
  }

  /** Bytes of the table. */
  get bytes(): number {
    return this.#slots.byteLength
  }

  has(high: number, low: number): boolean {
    if (high === 0 && low === 0) low = 1
    const slots = this.#slots
    const mask = (slots.length >> 1) - 1
    for (let i = (low ^ high) & mask; ; i = (i + 1) & mask) {
      const h = slots[i * 2]!
      const l = slots[i * 2 + 1]!
      if (h === 0 && l === 0) return false
      if (h === high && l === low) return true
    }
  }

  /** Adds a hash; returns false when it was already there. */
  add(high: number, low: number): boolean {
    if (high === 0 && low === 0) low = 1
    if ((this.#size + 1) * 2 > this.#slots.length >> 1) this.#grow()
    const inserted = HashSet64.#insert(this.#slots, high >>> 0, low >>> 0)
    if (inserted) this.#size++
    return inserted
  }

  static #insert(slots: Uint32Array, high: number, low: number): boolean {
    const mask = (slots.length >> 1) - 1
    for (let i = (low ^ high) & mask; ; i = (i + 1) & mask) {
      const h = slots[i * 2]!
      const l = slots[i * 2 + 1]!
      if (h === 0 && l === 0) {
        slots[i * 2] = high
        slots[i * 2 + 1] = low
        return true
      }
      if (h === high && l === low) return false
    }
  }

  #grow(): void {
    const old = this.#slots
    const slots = new Uint32Array(old.length * 2)
    for (let i = 0; i < old.length; i += 2) {
      if (old[i] !== 0 || old[i + 1] !== 0) HashSet64.#insert(slots, old[i]!, old[i + 1]!)
    }
    this.#slots = slots
  }
}

/**
 * 64-bit hash of a string as two u32 halves: FNV-1a and a Murmur3-style mix over the UTF-16
 * code units, with different seeds. Not cryptographic; two ids collide with probability ~2^-64.
 */
export function hashString64(text: string): [number, number] {
  let a = 0x811c9dc5
  let b = 0x9747b28c
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i)
    a = Math.imul(a ^ c, 0x01000193)
    b = Math.imul(b ^ c, 0x5bd1e995)
    b ^= b >>> 15
  }
  a ^= a >>> 16
  a = Math.imul(a, 0x85ebca6b)
  a ^= a >>> 13
  b ^= b >>> 16
  b = Math.imul(b, 0xc2b2ae35)
  b ^= b >>> 16
  return [a >>> 0, b >>> 0]
}
