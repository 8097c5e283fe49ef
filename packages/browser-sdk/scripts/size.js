// Prints the compressed sizes of the browser builds and fails when one is over its budget.
// gzip level 9 and brotli quality 11 with Node's zlib, KiB = 1024 B (as in specs/browser-anchors.md §1).
// "ESM init+track" is what a bundler keeps of `import { init, track } from '@rastro/browser'`.
import { Buffer } from 'node:buffer'
import { readFileSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { brotliCompressSync, constants, gzipSync } from 'node:zlib'
import nodeResolve from '@rollup/plugin-node-resolve'
import terser from '@rollup/plugin-terser'
import { rollup } from 'rollup'

const dist = join(dirname(fileURLToPath(import.meta.url)), '..', 'dist')
const KIB = 1024

/**
 * Budgets in gzip bytes (issue 3, browser-anchors.md §7): the script-tag build with its default
 * plugins, the snippet, and what a bundler keeps of `init` + `track` (IndexedDB queue included).
 */
const budgets = { 'rastro.js': 10 * KIB, 'snippet.min.js': 1 * KIB, 'ESM init+track': 6 * KIB }

async function bundleInitTrack() {
  const entry = `import { init, track } from ${JSON.stringify(join(dist, 'index.js'))}
init({ writeKey: 'wk_size' })
track('Size Measured')`
  const bundle = await rollup({
    input: 'entry',
    plugins: [
      nodeResolve(),
      {
        name: 'entry',
        resolveId: (id) => (id === 'entry' ? id : null),
        load: (id) => (id === 'entry' ? entry : null),
      },
    ],
  })
  const { output } = await bundle.generate({ format: 'es', plugins: [terser({ module: true })] })
  await bundle.close()
  return Buffer.from(output[0].code)
}

const files = {
  'rastro.js': readFileSync(join(dist, 'rastro.js')),
  'snippet.min.js': readFileSync(join(dist, 'snippet.min.js')),
  'ESM init+track': await bundleInitTrack(),
}

// The schema is imported for types and a few constants only: zod must never reach a bundle.
for (const [name, code] of Object.entries(files)) {
  if (code.includes('zod') || code.includes('ZodError')) {
    console.error(`size: ${name} contains zod`)
    process.exitCode = 1
  }
}

const kib = (bytes) => (bytes / KIB).toFixed(2)
let over = false
console.log('| file | min (KiB) | gzip -9 (KiB) | brotli q11 (KiB) | budget gzip (KiB) |')
console.log('| --- | ---: | ---: | ---: | ---: |')
for (const [name, code] of Object.entries(files)) {
  const gzip = gzipSync(code, { level: 9 }).length
  const brotli = brotliCompressSync(code, { params: { [constants.BROTLI_PARAM_QUALITY]: 11 } }).length
  const budget = budgets[name]
  const ok = gzip <= budget
  over ||= !ok
  console.log(
    `| ${name} | ${kib(code.length)} | ${kib(gzip)} | ${kib(brotli)} | ${kib(budget)}${ok ? '' : ' OVER'} |`,
  )
}
if (over) {
  console.error('size: over budget')
  process.exitCode = 1
}
