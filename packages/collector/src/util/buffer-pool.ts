/**
 * Large buffers used again once their holder is done with them. glibc serves an allocation of 128
 * KiB or more with a fresh `mmap` (the `rastro` command sets `MALLOC_MMAP_THRESHOLD_`, so freed
 * memory goes back to the OS), whose pages the kernel zero-fills at their first write: the log
 * payload of a batch of 500 events (~450 KB) cost ~1 ms of page faults per request, 10% of the main
 * thread at the maximum (profiled). A buffer from here is a view of memory that earlier requests
 * faulted in already. Smaller sizes come from Node's allocator as usual.
 */

/** Sizes from which buffers are pooled (bytes): glibc's mmap threshold as the `rastro` command sets it. */
export const POOLED_MIN_BYTES = 128 * 1024

export class BufferPool {
  /** Memory ready to be used again, each a power of two of at least {@link POOLED_MIN_BYTES}. */
  readonly #free: Buffer[] = []
  #freeBytes = 0
  readonly #maxFreeBytes: number
  /** The whole memory behind each view handed out and not released yet. */
  readonly #memoryOf = new WeakMap<Buffer, Buffer>()

  /** @param maxFreeBytes most memory kept for reuse while no one holds it (bytes); more is left to the GC. */
  constructor(maxFreeBytes: number) {
    this.#maxFreeBytes = maxFreeBytes
  }

  /** Memory held for reuse (bytes). */
  get freeBytes(): number {
    return this.#freeBytes
  }

  /**
   * A buffer of `bytes` bytes, its contents undefined (as `Buffer.allocUnsafe`'s). Give a pooled
   * one back with {@link release} once nothing reads or writes it any more.
   */
  readonly allocate = (bytes: number): Buffer => {
    if (bytes < POOLED_MIN_BYTES) return Buffer.allocUnsafe(bytes)
    let best = -1
    for (let i = 0; i < this.#free.length; i++) {
      const size = this.#free[i]!.length
      if (size >= bytes && (best === -1 || size < this.#free[best]!.length)) best = i
    }
    let memory: Buffer
    if (best === -1) {
      let size = POOLED_MIN_BYTES
      while (size < bytes) size *= 2
      memory = Buffer.allocUnsafeSlow(size)
    } else {
      memory = this.#free.splice(best, 1)[0]!
      this.#freeBytes -= memory.length
    }
    const view = memory.subarray(0, bytes)
    this.#memoryOf.set(view, memory)
    return view
  }

  /** Takes back a buffer {@link allocate} made; ignores any other, and one released already. */
  release(buffer: Buffer): void {
    const memory = this.#memoryOf.get(buffer)
    if (!memory) return
    this.#memoryOf.delete(buffer)
    if (this.#freeBytes + memory.length > this.#maxFreeBytes) return
    this.#free.push(memory)
    this.#freeBytes += memory.length
  }
}
