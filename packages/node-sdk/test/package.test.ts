/**
 * What npm users get: the built ESM and CJS entry points, types that need nothing but Node's, and
 * undici as the only dependency. Needs `npm run build` (turbo runs it before the tests).
 */
import { execFileSync } from 'node:child_process'
import { readFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import { describe, expect, it } from 'vitest'

const dist = new URL('../dist/', import.meta.url)
const packageJson = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8'))

describe('the published package', () => {
  it('loads as ESM and as CJS with the same API', async () => {
    const esm = await import(new URL('index.js', dist).href)
    const cjs = createRequire(import.meta.url)(new URL('index.cjs', dist).pathname)
    for (const api of [esm, cjs]) {
      expect(typeof api.Rastro).toBe('function')
      expect(typeof api.orderCompleted).toBe('function')
      expect(typeof api.fromRequest).toBe('function')
      expect(typeof api.verifyWebhookSignature).toBe('function')
      expect(api.LIBRARY).toEqual({ name: '@rastro/node', version: packageJson.version })
    }
    expect(Object.keys(esm).sort()).toEqual(Object.keys(cjs).sort())
  })

  it('has types that import only Node built-ins (no zod, no @rastro/schema), and depends on undici only', () => {
    for (const file of ['index.d.ts', 'index.d.cts']) {
      const types = readFileSync(new URL(file, dist), 'utf8')
      const imports = [...types.matchAll(/from '([^']+)'/g)].map((match) => match[1])
      expect(imports.filter((name) => !name!.startsWith('node:'))).toEqual([])
    }
    expect(packageJson.dependencies).toEqual({ undici: '7.30.2' })
  })

  it('never keeps a process alive with its timers, queued or backing off', () => {
    const script = `
      import { Rastro } from ${JSON.stringify(new URL('index.js', dist).href)}
      const waiting = new Rastro({ writeKey: 'wk_x', host: 'http://127.0.0.1:9', flushInterval: 600000 })
      waiting.track({ userId: 'u', event: 'Queued' })
      const backingOff = new Rastro({ writeKey: 'wk_x', host: 'http://127.0.0.1:9', flushAt: 1 })
      backingOff.track({ userId: 'u', event: 'Refused' })
      setTimeout(() => console.log(waiting.queueSize), 100)
    `
    const began = Date.now()
    const output = execFileSync(process.execPath, ['--input-type=module', '-e', script], { encoding: 'utf8' })
    expect(output.trim()).toBe('1')
    // The flush timer alone would hold it 10 minutes.
    expect(Date.now() - began).toBeLessThan(30_000)
  })
})
