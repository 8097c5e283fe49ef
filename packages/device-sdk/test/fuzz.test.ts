/**
 * Fuzzes the decoder with mutants of the vectors: every input either decodes or is refused
 * with a DeviceFrameError (never another exception), no input takes long, and the heap does
 * not grow with declared lengths. FUZZ_ITERATIONS raises the count (`npm run fuzz`: 200,000),
 * FUZZ_SEED replays a run, FUZZ_REPORT names a file for the figures.
 */
import { readdirSync, readFileSync, writeFileSync } from 'node:fs'
import { describe, expect, it } from 'vitest'
import { decodeFrame, DeviceFrameError } from '../src/index.js'
import { createChainedArrays, createRandom, mutateFrame } from './helpers/mutate-frame.js'

const dir = new URL('../vectors/', import.meta.url)
const seeds = readdirSync(dir)
  .filter((file) => file.endsWith('.cbor'))
  .map((file) => new Uint8Array(readFileSync(new URL(file, dir))))
const iterations = Number(process.env.FUZZ_ITERATIONS ?? 5000)
const seed = Number(process.env.FUZZ_SEED ?? 20_261_122)

describe('decodeFrame under fuzzing', () => {
  it(`answers ${iterations} mutated frames with a frame or a DeviceFrameError`, () => {
    const random = createRandom(seed)
    const heapBefore = process.memoryUsage().heapUsed
    const runStarted = performance.now()
    const outcomes = new Map<string, number>()
    let slowestMs = 0
    let slowest: Uint8Array = new Uint8Array()
    for (let i = 0; i < iterations; i++) {
      const input = mutateFrame(seeds[i % seeds.length]!, seeds, random)
      const started = performance.now()
      let outcome = 'decoded'
      try {
        decodeFrame(input)
      } catch (error) {
        if (!(error instanceof DeviceFrameError)) {
          throw new Error(
            `iteration ${i} (seed ${seed}) threw ${String(error)} for ${Buffer.from(input).toString('hex')}`,
          )
        }
        outcome = error.code
      }
      const elapsedMs = performance.now() - started
      if (elapsedMs > slowestMs) {
        slowestMs = elapsedMs
        slowest = input
      }
      outcomes.set(outcome, (outcomes.get(outcome) ?? 0) + 1)
    }
    // `npm run bench` asks for the figures (scripts/measure-size.mjs puts them in BENCHMARKS.md).
    if (process.env.FUZZ_REPORT) {
      const seconds = (performance.now() - runStarted) / 1000
      writeFileSync(
        process.env.FUZZ_REPORT,
        JSON.stringify({
          iterations,
          seed,
          seconds,
          slowestMs,
          slowest: Buffer.from(slowest).toString('hex'),
          outcomes: Object.fromEntries(outcomes),
        }),
      )
    }
    // Mutants reach every stage: some decode, most are refused for many different reasons.
    expect(outcomes.get('decoded')).toBeGreaterThan(0)
    expect(outcomes.size).toBeGreaterThanOrEqual(8)
    // A hang or a declared-length allocation would show here (generous: this is not a speed test).
    expect(slowestMs).toBeLessThan(1000)
    expect(process.memoryUsage().heapUsed - heapBefore).toBeLessThan(200 * 1024 * 1024)
  })

  it('refuses 40 KB of chained array heads (the cbor-x out-of-memory pattern) without allocating', () => {
    const header = seeds[0]!.subarray(0, 16) // vector 001's header map
    const heapBefore = process.memoryUsage().heapUsed
    for (const count of [1, 10, 1000, 13_000]) {
      expect(() => decodeFrame(createChainedArrays(header, count))).toThrowError(DeviceFrameError)
    }
    expect(process.memoryUsage().heapUsed - heapBefore).toBeLessThan(50 * 1024 * 1024)
  })
})
