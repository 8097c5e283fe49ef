// Measures the C library for the ESP32-C3's ISA (RV32IMC, -Os, picolibc): code size per part,
// worst-case stack from gcc's call graph, context sizes; the frame bytes per record from the
// shared vectors; and the decoder's speed. Writes the "Device SDK" section of BENCHMARKS.md
// (between its markers) and prints it. Needs `apt-get install -y gcc-riscv64-unknown-elf
// picolibc-riscv64-unknown-elf`. Run: npm run size -w @rastro/device (also part of `npm run bench`).
import { execFileSync } from 'node:child_process'
import { cpus, loadavg, totalmem } from 'node:os'
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath, URL } from 'node:url'
import { decodeFrame } from '../dist/index.js'

const root = fileURLToPath(new URL('../../../', import.meta.url))
const cDir = fileURLToPath(new URL('../c/', import.meta.url))
const vectorsDir = fileURLToPath(new URL('../vectors/', import.meta.url))
const work = mkdtempSync(join(tmpdir(), 'rastro-size-'))
/** The 1-minute load average when measuring began: on a busy machine the timings are slower. */
const loadAtStart = loadavg()[0]
const CC = 'riscv64-unknown-elf-gcc'
const TARGET = ['--specs=picolibc.specs', '-march=rv32imc', '-mabi=ilp32']
const FLAGS = [
  ...TARGET,
  '-Os',
  '-std=c99',
  '-Wall',
  '-Wextra',
  '-Werror',
  '-pedantic',
  '-ffunction-sections',
  '-fdata-sections',
]
/** Budgets from the issue (shared/specs/device-anchors.md A4: the stack budget is the encoder's). */
const BUDGET = { encoderText: 1024, coreText: 4096, contextBytes: 32, stackBytes: 256 }

function run(command, args, options = {}) {
  return execFileSync(command, args, { encoding: 'utf8', cwd: work, ...options })
}

try {
  run(CC, ['--version'])
} catch {
  console.error(`${CC} not found: apt-get install -y gcc-riscv64-unknown-elf picolibc-riscv64-unknown-elf`)
  process.exit(1)
}

// 1. The object, with per-function sections, stack usage and call graph.
run(CC, [
  ...FLAGS,
  '-fstack-usage',
  '-fcallgraph-info=su',
  '-c',
  join(cDir, 'rastro_device.c'),
  '-o',
  'rastro_device.o',
])

/** Which part of the SDK a function belongs to. */
function partOf(symbol) {
  const name = symbol.replace(/\.(isra|constprop|part|lto_priv)\.\d+/g, '')
  if (/^(rastro_cbor_|prv_cbor_|prv_shift_exact)/.test(name)) return 'encoder'
  if (/^rastro_crc32$/.test(name)) return 'crc32'
  if (/^(rastro_ring_|prv_ring_)/.test(name)) return 'ring'
  if (/^(rastro_ack_|prv_read_head)/.test(name)) return 'ack'
  return 'device'
}

const symbols = run('riscv64-unknown-elf-nm', ['--size-sort', '-S', 'rastro_device.o'])
  .trim()
  .split('\n')
  .map((line) => line.trim().split(/\s+/))
  .filter((fields) => fields.length === 4 && /[tTrR]/.test(fields[2]))
  .map(([, size, type, name]) => ({ name, size: parseInt(size, 16), rodata: /[rR]/.test(type) }))
const parts = {}
for (const { name, size } of symbols) parts[partOf(name)] = (parts[partOf(name)] ?? 0) + size
const coreBytes = symbols.reduce((sum, symbol) => sum + symbol.size, 0)
const flushBytes = symbols.find((symbol) => symbol.name === 'rastro_device_flush')?.size ?? 0
// The anchor's scope (device-anchors.md A4): encoder + frame + ring + seq/NVS, no send loop or ack.
const anchorScopeBytes = coreBytes - flushBytes - (parts.ack ?? 0)

// libgcc helpers the object needs (memcpy & co. come from the ROM/libc and are not counted).
const undefinedSymbols = run('riscv64-unknown-elf-nm', ['-u', 'rastro_device.o'])
  .trim()
  .split('\n')
  .map((line) => line.trim().split(/\s+/).pop())
const libgcc = run(CC, [...TARGET, '-print-libgcc-file-name']).trim()
const libgccSizes = new Map(
  run('riscv64-unknown-elf-nm', ['--size-sort', '-S', libgcc])
    .split('\n')
    .map((line) => line.trim().split(/\s+/))
    .filter((fields) => fields.length === 4 && /[tT]/.test(fields[2]))
    .map(([, size, , name]) => [name, parseInt(size, 16)]),
)
const helpers = undefinedSymbols.filter((name) => name.startsWith('__'))
const helperBytes = helpers.reduce((sum, name) => sum + (libgccSizes.get(name) ?? 0), 0)

// The same with the ESP32 ROM's CRC-32 (RASTRO_CRC32_ROM), as an ESP-IDF build would use it.
writeFileSync(
  join(work, 'esp_rom_crc.h'),
  'uint32_t esp_rom_crc32_le(uint32_t crc, const unsigned char *buf, uint32_t len);\n',
)
run(CC, [
  ...FLAGS,
  '-DRASTRO_CRC32_ROM',
  `-I${work}`,
  '-c',
  join(cDir, 'rastro_device.c'),
  '-o',
  'rastro_device_rom.o',
])
const romBytes = run('riscv64-unknown-elf-nm', ['--size-sort', '-S', 'rastro_device_rom.o'])
  .trim()
  .split('\n')
  .map((line) => line.trim().split(/\s+/))
  .filter((fields) => fields.length === 4 && /[tTrR]/.test(fields[2]))
  .reduce((sum, [, size]) => sum + parseInt(size, 16), 0)

// 2. Stack: frame sizes from the .su file, calls from the .ci (VCG) graph; worst path per entry.
const frames = new Map()
for (const line of readFileSync(join(work, 'rastro_device.su'), 'utf8').trim().split('\n')) {
  const [where, bytes, kind] = line.split('\t')
  if (kind !== 'static') throw new Error(`dynamic stack in ${where}`)
  frames.set(where.split(':').pop(), Number(bytes))
}
const graph = readFileSync(join(work, 'rastro_device.ci'), 'utf8')
const calls = new Map()
const titles = new Map()
for (const match of graph.matchAll(/node: \{ title: "([^"]+)" label: "([^"\\]+)/g))
  titles.set(match[1], match[2])
for (const match of graph.matchAll(/edge: \{ sourcename: "([^"]+)" targetname: "([^"]+)"/g)) {
  const from = titles.get(match[1]) ?? match[1]
  const to = titles.get(match[2]) ?? match[2]
  if (!calls.has(from)) calls.set(from, new Set())
  calls.get(from).add(to)
}
function worstStack(name, seen = new Set()) {
  if (seen.has(name)) throw new Error(`recursion through ${name}`)
  const own = frames.get(name) ?? 0
  let deepest = 0
  for (const callee of calls.get(name) ?? [])
    deepest = Math.max(deepest, worstStack(callee, new Set([...seen, name])))
  return own + deepest
}
const publicFunctions = symbols
  .filter(({ name, rodata }) => !rodata && name.startsWith('rastro_'))
  .map(({ name }) => name)
const stacks = Object.fromEntries(publicFunctions.map((name) => [name, worstStack(name)]))
const encoderStack = Math.max(
  ...publicFunctions.filter((name) => name.startsWith('rastro_cbor_')).map((name) => stacks[name]),
)
const sdkStack = Math.max(...Object.values(stacks))
const deepest = Object.entries(stacks).sort((a, b) => b[1] - a[1])[0][0]

// 3. Context sizes on the 32-bit target.
writeFileSync(
  join(work, 'sizes.c'),
  `#include "rastro_device.h"
char size_cbor[sizeof(rastro_cbor_t)];
char size_device[sizeof(rastro_device_t)];
char size_ring[sizeof(rastro_ring_t)];
char size_ack[sizeof(rastro_ack_t)];
`,
)
run(CC, [...FLAGS, '-fcommon', `-I${cDir}`, '-c', 'sizes.c', '-o', 'sizes.o'])
const contexts = Object.fromEntries(
  run('riscv64-unknown-elf-nm', ['-S', 'sizes.o'])
    .trim()
    .split('\n')
    .map((line) => line.trim().split(/\s+/))
    .map(([, size, , name]) => [name.replace('size_', ''), parseInt(size, 16)]),
)

// 4. Bytes on the wire, from the shared vectors.
const vector = (name) => new Uint8Array(readFileSync(join(vectorsDir, `${name}.cbor`)))
const twenty = vector('002-twenty-readings')
const kiosk = vector('003-kiosk-events')
const single = vector('001-single-reading')

// 5. Decoder speed (JS, this machine).
function measure(bytes, iterations) {
  for (let i = 0; i < 1000; i++) decodeFrame(bytes)
  const started = process.hrtime.bigint()
  for (let i = 0; i < iterations; i++) decodeFrame(bytes)
  return Number(process.hrtime.bigint() - started) / 1e6 / iterations
}
const decodeTwentyMs = measure(twenty, 20_000)
const decodeKioskMs = measure(kiosk, 20_000)

const gccVersion = run(CC, ['-dumpversion']).trim()
rmSync(work, { recursive: true, force: true })

// The long fuzz run of `npm run bench` (test/fuzz.test.ts with FUZZ_REPORT), when there is one.
let fuzzLine = ''
if (process.env.FUZZ_REPORT) {
  const fuzz = JSON.parse(readFileSync(process.env.FUZZ_REPORT, 'utf8'))
  const refused = Object.entries(fuzz.outcomes).filter(([outcome]) => outcome !== 'decoded')
  fuzzLine = `
Fuzzing (\`npm run fuzz\`, seed ${fuzz.seed}): ${fuzz.iterations.toLocaleString('en')} mutated frames in ${fuzz.seconds.toFixed(1)} s, no
exception other than \`DeviceFrameError\`, slowest frame ${fuzz.slowestMs.toFixed(1)} ms (GC pauses included); ${(fuzz.outcomes.decoded ?? 0).toLocaleString('en')} decoded,
the rest refused with ${refused.length} different codes.
`
}

const mark = (value, budget) =>
  value <= budget
    ? `${value} (budget ${budget}: met)`
    : `**${value} (budget ${budget}: over by ${value - budget})**`
const cpu = cpus()[0]?.model ?? 'unknown'
const date = new Date().toISOString().slice(0, 10)
const section = `## Device SDK (\`@rastro/device\`)

Measured ${date} on ${cpus().length} × ${cpu}, ${Math.round(totalmem() / 2 ** 30)} GiB RAM, load average ${loadAtStart.toFixed(1)}, Node ${process.version}, by
\`npm run size -w @rastro/device\` (also in \`npm run bench\`). C library: \`${CC} ${gccVersion} ${FLAGS.filter((flag) => !flag.startsWith('-W') && flag !== '-pedantic').join(' ')}\`
(the ESP32-C3's ISA), sizes of \`.text\` + \`.rodata\` per function from \`nm\`, grouped by part.

| measure | bytes |
| --- | --- |
| CBOR encoder (\`rastro_cbor_*\`: uint/int/float16-64/number/bytes/text/array/map/bool/null/raw) | ${mark(parts.encoder ?? 0, BUDGET.encoderText)} |
| whole SDK core (encoder, CRC-32, ring, frames, acks, seq persistence, flush) | ${mark(coreBytes, BUDGET.coreText)} |
| … without the send loop and ack parser (the anchor's scope: encoder + frame + ring + seq/NVS) | ${mark(anchorScopeBytes, BUDGET.coreText)} |
| … the same with the ESP32 ROM's CRC-32 (\`-DRASTRO_CRC32_ROM\`, as on the ESP32-C3) | ${mark(anchorScopeBytes - (coreBytes - romBytes), BUDGET.coreText)} |
| … CRC-32 (bitwise, no table; 0 with \`RASTRO_CRC32_ROM\` on ESP32) | ${parts.crc32 ?? 0} |
| … ring buffer | ${parts.ring ?? 0} |
| … ack parser | ${parts.ack ?? 0} |
| … device (records, frame builder, init, seq persistence) | ${(parts.device ?? 0) - flushBytes} |
| … send loop \`rastro_device_flush\` | ${flushBytes} |
| libgcc helpers it pulls in (${helpers.join(', ') || 'none'}) | ${helperBytes} |
| encoder context \`rastro_cbor_t\` | ${mark(contexts.cbor, BUDGET.contextBytes)} |
| device context \`rastro_device_t\` / ring \`rastro_ring_t\` / ack | ${contexts.device} / ${contexts.ring} / ${contexts.ack} |
| worst stack of an encoder call | ${mark(encoderStack, BUDGET.stackBytes)} |
| worst stack of any SDK call (\`${deepest}\`, platform hooks excluded; no budget) | ${sdkStack} |
| frame: one reading (vector 001) | ${single.length} |
| frame: 20 readings, one every 10 s (vector 002) | ${twenty.length} (${(twenty.length / 20).toFixed(1)} per reading) |
| frame: kiosk, 3 events and a reading (vector 003) | ${kiosk.length} |
| ring overhead per record (CRC-32, boot id, seq, length) | 14 |

Decoder (TypeScript, size cap + CRC + structure walk + cbor-x + schema): ${(decodeTwentyMs * 1000).toFixed(1)} µs for
vector 002, ${(decodeKioskMs * 1000).toFixed(1)} µs for vector 003 (${Math.round(1000 / decodeTwentyMs).toLocaleString('en')} frames/s on one core).
${fuzzLine}`

const benchmarksPath = join(root, 'BENCHMARKS.md')
let text
try {
  text = readFileSync(benchmarksPath, 'utf8')
} catch {
  text = '# Benchmarks\n\nIndicative figures; each section says how to reproduce it.\n'
}
const begin = '<!-- device-sdk:begin -->'
const end = '<!-- device-sdk:end -->'
const block = `${begin}\n${section}${end}`
text = text.includes(begin)
  ? text.replace(new RegExp(`${begin}[\\s\\S]*?${end}`), block)
  : `${text.trimEnd()}\n\n${block}\n`
writeFileSync(benchmarksPath, text)
// Keep the root `prettier --check .` green.
execFileSync('npx', ['prettier', '--write', benchmarksPath], { cwd: root, stdio: 'ignore' })
console.log(section)
