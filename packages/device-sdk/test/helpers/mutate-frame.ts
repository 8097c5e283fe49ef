/**
 * Mutations of frames for fuzzing the decoder (test/fuzz.test.ts; `npm run fuzz` runs more): byte flips, inserts, deletes, cuts, splices and planted
 * CBOR heads that declare huge lengths or nest deep; most get a correct CRC again so they
 * reach the CBOR walk and the schema instead of stopping at the CRC check.
 */
import { getCrc32 } from '../../src/index.js'

/** Deterministic PRNG (mulberry32), so a failing case can be replayed from its seed. */
export function createRandom(seed: number): () => number {
  let state = seed >>> 0
  return () => {
    state = (state + 0x6d2b79f5) >>> 0
    let t = state
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
}

// Heads that make decoders allocate or recurse: 2^32-item array/map, 2^32-byte strings,
// indefinite lengths, tags, nested array heads.
const PLANTS: number[][] = [
  [0x9b, 0, 0, 0, 1, 0, 0, 0, 0],
  [0xbb, 0, 0, 0, 1, 0, 0, 0, 0],
  [0x5b, 0, 0, 0, 1, 0, 0, 0, 0],
  [0x7a, 0xff, 0xff, 0xff, 0xff],
  [0x9a, 0, 0, 0x10, 0],
  [0x9f],
  [0xbf],
  [0xff],
  [0xd8, 0x18],
  [0xc2],
  [0x81, 0x81, 0x81, 0x81, 0x81, 0x81],
  [0xf7],
  [0xfc],
]

function withCrc(body: Uint8Array): Uint8Array {
  const out = new Uint8Array(body.length + 4)
  out.set(body)
  new DataView(out.buffer).setUint32(body.length, getCrc32(body))
  return out
}

/** One mutant of `frame` (bytes with CRC), using `seeds` (other frames) for splices. */
export function mutateFrame(frame: Uint8Array, seeds: Uint8Array[], random: () => number): Uint8Array {
  const pick = (n: number) => Math.floor(random() * n)
  let body = Array.from(frame.subarray(0, frame.length - 4))
  const rounds = 1 + pick(4)
  for (let r = 0; r < rounds; r++) {
    const at = pick(body.length + 1)
    switch (pick(7)) {
      case 0:
        if (body.length) body[at % body.length]! ^= 1 << pick(8)
        break
      case 1:
        if (body.length) body[at % body.length] = pick(256)
        break
      case 2:
        body.splice(at, 0, pick(256))
        break
      case 3:
        body.splice(at, 1 + pick(8))
        break
      case 4:
        body = body.slice(0, at)
        break
      case 5: {
        const other = seeds[pick(seeds.length)]!
        const from = pick(other.length)
        body.splice(at, pick(16), ...other.subarray(from, from + 1 + pick(32)))
        break
      }
      default:
        body.splice(at, 0, ...PLANTS[pick(PLANTS.length)]!)
    }
  }
  const bytes = Uint8Array.from(body)
  // One in eight keeps its old CRC (or has none): the CRC check must catch those.
  return random() < 0.125 ? Uint8Array.from([...bytes, ...frame.subarray(frame.length - 4)]) : withCrc(bytes)
}

/**
 * A cbor-x out-of-memory pattern (https://github.com/kriszyp/cbor-x/pull/142): `count` nested
 * array heads each declaring 65,536 items, behind a valid header.
 */
export function createChainedArrays(header: Uint8Array, count: number): Uint8Array {
  const chain: number[] = []
  for (let i = 0; i < count; i++) chain.push(0x99, 0xff, 0xff)
  return withCrc(Uint8Array.from([...header, ...chain]))
}
