/**
 * The C library, compiled with the host gcc as C99 with every warning an error: its unit tests
 * pass (also under AddressSanitizer and UndefinedBehaviorSanitizer), it builds the shared
 * vectors byte for byte, and it parses the collector's acks.
 */
import { execFileSync, spawnSync } from 'node:child_process'
import { mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { afterAll, describe, expect, it } from 'vitest'
import { encodeAck, encodeAckError } from '../src/index.js'

const cDir = fileURLToPath(new URL('../c/', import.meta.url))
const vectorsDir = fileURLToPath(new URL('../vectors/', import.meta.url))
const buildDir = mkdtempSync(join(tmpdir(), 'rastro-device-c-'))
const STRICT = ['-std=c99', '-Wall', '-Wextra', '-Werror', '-pedantic']
const SANITIZE = ['-fsanitize=address,undefined', '-fno-sanitize-recover=all', '-g', '-O1']

afterAll(() => rmSync(buildDir, { recursive: true, force: true }))

/** Compiles the library with `sources` into `name`; returns the binary's path. */
function compile(name: string, sources: string[], flags: string[] = ['-O2']): string {
  const output = join(buildDir, name)
  execFileSync(
    'gcc',
    [
      ...STRICT,
      ...flags,
      '-o',
      output,
      join(cDir, 'rastro_device.c'),
      ...sources.map((file) => join(cDir, file)),
    ],
    { stdio: 'pipe' },
  )
  return output
}

function run(binary: string, args: string[] = []) {
  const result = spawnSync(binary, args, { encoding: 'utf8', timeout: 60_000 })
  return { status: result.status, stdout: result.stdout, stderr: result.stderr }
}

describe('C library', () => {
  it('includes nothing beyond <stdint.h>, <stddef.h>, <string.h> and the freestanding <stdbool.h>', () => {
    const includes = ['rastro_device.h', 'rastro_device.c'].flatMap((file) =>
      [...readFileSync(join(cDir, file), 'utf8').matchAll(/^#include [<"]([^>"]+)[>"]/gm)].map(
        (match) => match[1],
      ),
    )
    expect(new Set(includes)).toEqual(
      new Set(['stdbool.h', 'stddef.h', 'stdint.h', 'string.h', 'rastro_device.h', 'esp_rom_crc.h']),
    )
  })

  it.each([
    ['optimised', ['-O2']],
    ['with AddressSanitizer and UndefinedBehaviorSanitizer', SANITIZE],
  ])('passes its unit tests (%s)', (label, flags) => {
    const binary = compile(
      flags === SANITIZE ? 'unit-sanitized' : 'unit',
      ['test/fake_platform.c', 'test/test_rastro_device.c'],
      flags,
    )
    const { status, stdout, stderr } = run(binary)
    expect(stderr).not.toMatch(/runtime error|AddressSanitizer/)
    expect(stdout).not.toContain('FAIL')
    const summary = /^(\d+) passed, (\d+) failed$/m.exec(stdout)
    expect(summary?.[2]).toBe('0')
    expect(Number(summary?.[1])).toBeGreaterThan(500)
    expect(status).toBe(0)
  })

  it('builds every positive vector byte for byte through the device API', () => {
    const binary = compile('generate-vectors', ['test/fake_platform.c', 'test/generate_vectors.c'], SANITIZE)
    const { status, stdout } = run(binary)
    expect(status).toBe(0)
    const built = new Map(
      stdout
        .trim()
        .split('\n')
        .map((line) => line.split(' ') as [string, string]),
    )
    const expected = readdirSync(vectorsDir)
      .filter((file) => /^0\d\d-.*\.cbor$/.test(file))
      .map((file) => file.slice(0, -'.cbor'.length))
    expect([...built.keys()].sort()).toEqual(expected.sort())
    for (const name of expected) {
      expect(built.get(name), name).toBe(readFileSync(join(vectorsDir, `${name}.cbor`)).toString('hex'))
    }
  })

  it("parses the acks the collector's codec writes", () => {
    const binary = compile('parse-ack', ['test/fake_platform.c', 'test/generate_vectors.c'])
    const ack = encodeAck({
      bootId: 4_294_967_295,
      ackedThrough: 70_000,
      stored: 300,
      duplicates: 2,
      rejected: 1,
    })
    expect(run(binary, ['ack', Buffer.from(ack).toString('hex')]).stdout.trim()).toBe(
      '4294967295 70000 300 2 1 0',
    )
    const error = encodeAckError({ status: 503, code: 'RASTRO_ERR_STORE_UNAVAILABLE' })
    expect(run(binary, ['ack', Buffer.from(error).toString('hex')]).stdout.trim()).toBe('0 0 0 0 0 503')
  })
})
