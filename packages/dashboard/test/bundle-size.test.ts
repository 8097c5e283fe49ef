/**
 * The first load of `/app/` stays within 150 KiB of gzipped JavaScript (issue 9): every script the
 * built index.html loads, directly or as a module preload, gzipped as a server would send it.
 */
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { gzipSync } from 'node:zlib'
import { describe, expect, it } from 'vitest'

const BUDGET_BYTES = 150 * 1024
const dist = join(import.meta.dirname, '..', 'dist')

describe('first load of /app/', () => {
  const html = readFileSync(join(dist, 'index.html'), 'utf8')
  const scripts = [
    ...html.matchAll(/<(?:script[^>]+src|link[^>]+rel="modulepreload"[^>]+href)="\/app\/([^"]+\.js)"/g),
  ].map((match) => match[1]!)

  it('loads its scripts from /app/assets/', () => {
    expect(scripts.length).toBeGreaterThan(0)
    for (const script of scripts) expect(script).toMatch(/^assets\//)
  })

  it(`ships at most ${BUDGET_BYTES / 1024} KiB of gzipped JavaScript`, () => {
    const bytes = scripts.reduce(
      (sum, script) => sum + gzipSync(readFileSync(join(dist, script)), { level: 9 }).length,
      0,
    )
    console.log(`dashboard first-load JS: ${(bytes / 1024).toFixed(1)} KiB gzip`)
    expect(bytes).toBeLessThanOrEqual(BUDGET_BYTES)
  })
})
