/**
 * The `rastro` command as npm links it (bin/rastro.js, started by sh, which starts Node on it):
 * it serves, its Node process starts with glibc's malloc thresholds and libuv's pool size set
 * (none can be set once Node runs), each unless the caller set it, and SIGTERM stops it cleanly.
 */
import { spawn } from 'node:child_process'
import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'

const command = new URL('../bin/rastro.js', import.meta.url).pathname
const dataDir = mkdtempSync(join(tmpdir(), 'rastro-command-'))
afterAll(() => rmSync(dataDir, { recursive: true, force: true }))

const VARIABLES = ['MALLOC_MMAP_THRESHOLD_', 'MALLOC_TRIM_THRESHOLD_', 'UV_THREADPOOL_SIZE']

/** Serves with `set` added to the environment; returns the served Node process's initial environment. */
async function serveAndStop(set: Record<string, string>): Promise<string[]> {
  const env: NodeJS.ProcessEnv = { ...process.env, RASTRO_LOG_LEVEL: 'info' }
  for (const name of VARIABLES) delete env[name]
  Object.assign(env, set)
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
  let environment: string[]
  try {
    expect((await fetch(`${url}/health/live`)).status).toBe(200)
    // sh exec's Node in the same process: its initial environment is Node's.
    environment = readFileSync(`/proc/${child.pid}/environ`, 'utf8').split('\0')
    expect(readFileSync(`/proc/${child.pid}/comm`, 'utf8').trim()).toBe('node')
  } finally {
    child.kill('SIGTERM')
  }
  expect(await exited).toBe(0)
  return environment
}

describe('the rastro command', () => {
  it('serves with the malloc thresholds and a pool of 8 in its environment and exits 0 on SIGTERM', async () => {
    const environment = await serveAndStop({})
    expect(environment).toContain('MALLOC_MMAP_THRESHOLD_=131072')
    expect(environment).toContain('MALLOC_TRIM_THRESHOLD_=262144')
    expect(environment).toContain('UV_THREADPOOL_SIZE=8')
  }, 60_000)

  it('keeps the values its caller set', async () => {
    const environment = await serveAndStop({ MALLOC_TRIM_THRESHOLD_: '1048576', UV_THREADPOOL_SIZE: '16' })
    expect(environment).toContain('MALLOC_MMAP_THRESHOLD_=131072')
    expect(environment).toContain('MALLOC_TRIM_THRESHOLD_=1048576')
    expect(environment).toContain('UV_THREADPOOL_SIZE=16')
  }, 60_000)
})
