/**
 * The `rastro` command as npm links it (bin/rastro.js, run through its shebang): it serves, its
 * process starts with glibc's malloc thresholds set (they cannot be set once Node runs), and
 * SIGTERM stops it cleanly.
 */
import { spawn } from 'node:child_process'
import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'

const command = new URL('../bin/rastro.js', import.meta.url).pathname
const dataDir = mkdtempSync(join(tmpdir(), 'rastro-command-'))
afterAll(() => rmSync(dataDir, { recursive: true, force: true }))

describe('the rastro command', () => {
  it('serves with the malloc thresholds in its environment and exits 0 on SIGTERM', async () => {
    const env: NodeJS.ProcessEnv = { ...process.env, RASTRO_LOG_LEVEL: 'info' }
    delete env.MALLOC_MMAP_THRESHOLD_
    delete env.MALLOC_TRIM_THRESHOLD_
    const child = spawn(command, ['serve', '--port', '0', '--host', '127.0.0.1', '--data-dir', dataDir], {
      env,
      stdio: ['ignore', 'pipe', 'pipe'],
    })
    const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)))
    let output = ''
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()))
    const url = await new Promise<string>((resolve, reject) => {
      child.stdout.on('data', (chunk: Buffer) => {
        output += chunk.toString()
        const match = /"address":"(http:\/\/[^"]+)"/.exec(output)
        if (match) resolve(match[1]!)
      })
      void exited.then((code) => reject(new Error(`rastro exited (${code}): ${output}`)))
    })
    try {
      const health = await fetch(`${url}/health/live`)
      expect(health.status).toBe(200)
      // The shebang's `env -S` exec's Node in the same process: its initial environment is Node's.
      const environment = readFileSync(`/proc/${child.pid}/environ`, 'utf8').split('\0')
      expect(environment).toContain('MALLOC_MMAP_THRESHOLD_=131072')
      expect(environment).toContain('MALLOC_TRIM_THRESHOLD_=262144')
    } finally {
      child.kill('SIGTERM')
    }
    expect(await exited).toBe(0)
  }, 60_000)
})
