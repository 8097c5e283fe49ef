/**
 * The `rastro` command as npm links it (bin/rastro.js, started by sh, which starts Node on it):
 * it serves, its Node process starts with glibc's malloc thresholds, the embedded engine's
 * jemalloc options and libuv's pool size set (none can be set once Node runs), each unless the
 * caller set it, its threads but the main one
 * go to `backgroundNice`, a second one on the same data dir is refused, and SIGTERM stops it cleanly. A collector embedded with `createServer`
 * leaves its host's threads as they are.
 */
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { runCommand, startServing } from './helpers/rastro-command.js'
import { startCollector } from './helpers/start-collector.js'

const dataDir = mkdtempSync(join(tmpdir(), 'rastro-command-'))
afterAll(() => rmSync(dataDir, { recursive: true, force: true }))

const VARIABLES = ['MALLOC_MMAP_THRESHOLD_', 'MALLOC_TRIM_THRESHOLD_', 'UV_THREADPOOL_SIZE', 'JE_MALLOC_CONF']
const ADMIN_KEY = 'ak_command_test_admin_key'
const configPath = join(dataDir, 'rastro.config.json')
writeFileSync(
  configPath,
  JSON.stringify({
    adminKey: ADMIN_KEY,
    tenants: [{ id: 'acme', sites: [{ id: 'web', writeKey: 'wk_command_test' }] }],
  }),
)

/** The nice value of each thread of process `pid`, by thread id (proc(5): field 19 of `stat`). */
function readNiceValues(pid: number | 'self'): Map<number, number> {
  const values = new Map<number, number>()
  for (const thread of readdirSync(`/proc/${pid}/task`)) {
    try {
      const stat = readFileSync(`/proc/${pid}/task/${thread}/stat`, 'utf8')
      values.set(Number(thread), Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[16]))
    } catch {
      // The thread ended meanwhile.
    }
  }
  return values
}

/**
 * Serves with `set` added to the environment; returns the served Node process's initial
 * environment, the nice values of its threads once some are lowered (or after 10 s), and the
 * run-time options of the embedded engine's jemalloc (`opt.narenas: 1` lines).
 */
async function serveAndStop(
  set: Record<string, string>,
  startSecond = false,
): Promise<{
  environment: string[]
  niceValues: Map<number, number>
  pid: number
  jemallocOptions: string[]
  /** With `startSecond`: how a second `rastro serve` on the same data dir ended meanwhile. */
  second?: { code: number | null; stderr: string }
}> {
  const env: NodeJS.ProcessEnv = { ...process.env, RASTRO_LOG_LEVEL: 'info' }
  for (const name of VARIABLES) delete env[name]
  Object.assign(env, set)
  const args = ['--port', '0', '--host', '127.0.0.1', '--data-dir', dataDir, '--config', configPath]
  const { child, url, exited } = await startServing(args, env)
  let environment: string[]
  let niceValues: Map<number, number>
  let jemallocOptions: string[]
  let second: { code: number | null; stderr: string } | undefined
  const pid = child.pid!
  try {
    expect((await fetch(`${url}/health/live`)).status).toBe(200)
    if (startSecond) {
      second = await runCommand(['serve', ...args], env)
      // The first one is unharmed.
      expect((await fetch(`${url}/health/ready`)).status).toBe(200)
    }
    // sh exec's Node in the same process: its initial environment is Node's.
    environment = readFileSync(`/proc/${pid}/environ`, 'utf8').split('\0')
    expect(readFileSync(`/proc/${pid}/comm`, 'utf8').trim()).toBe('node')
    const stats = await fetch(`${url}/v1/admin/sql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${ADMIN_KEY}` },
      body: JSON.stringify({ query: 'SELECT * FROM system.jemalloc_stats' }),
    })
    expect(stats.status).toBe(200)
    const { data } = (await stats.json()) as { data: Record<string, string>[] }
    jemallocOptions = Object.values(data[0]!)
      .join('\n')
      .split('\n')
      .filter((line) => /^\s*opt\./.test(line))
      .map((line) => line.trim())
    // Threads are lowered on the second pass that finds them, a pass a second.
    const deadline = Date.now() + 10_000
    do {
      await new Promise((resolve) => setTimeout(resolve, 250))
      niceValues = readNiceValues(pid)
    } while (![...niceValues.values()].some((nice) => nice > 0) && Date.now() < deadline)
  } finally {
    child.kill('SIGTERM')
  }
  expect(await exited).toBe(0)
  return { environment, niceValues, pid, jemallocOptions, second }
}

describe('the rastro command', () => {
  it('prints its usage for --help after a command, and names a mistyped flag without a stack', async () => {
    const help = await runCommand(['serve', '--help'])
    expect(help.code).toBe(0)
    expect(help.stdout).toContain('Usage:')
    const typo = await runCommand(['serve', '--prot', '9000'])
    expect(typo.code).toBe(1)
    expect(typo.stderr).toMatch(/^rastro: Unknown option '--prot'/)
    expect(typo.stderr).toContain('Usage:')
    expect(typo.stderr).not.toMatch(/^\s+at /m)
    const bad = await runCommand(['serve', '--port', 'abc'])
    expect(bad.stderr).toMatch(/invalid setting: port \(--port\)/)
  })

  it('serves with the malloc thresholds, one engine arena and a pool of 8, and exits 0 on SIGTERM', async () => {
    const { environment, niceValues, pid, jemallocOptions, second } = await serveAndStop({}, true)
    expect(environment).toContain('MALLOC_MMAP_THRESHOLD_=131072')
    expect(environment).toContain('MALLOC_TRIM_THRESHOLD_=262144')
    expect(environment).toContain('UV_THREADPOOL_SIZE=8')
    // What the engine's jemalloc made of it (its build's own default is an arena per CPU).
    expect(jemallocOptions).toContain('opt.narenas: 1')
    expect(jemallocOptions).toContain('opt.percpu_arena: "disabled"')
    // The main thread keeps its priority; the pool, the engine's threads and V8's go to 10.
    expect(niceValues.get(pid)).toBe(0)
    expect([...niceValues.values()].filter((nice) => nice === 10).length).toBeGreaterThanOrEqual(8)
    // A second one on the same data dir says why it cannot start, without a stack.
    expect(second?.code).toBe(1)
    expect(second?.stderr).toMatch(
      /^rastro: RASTRO_ERR_STORE_OPEN_FAILED: cannot open the embedded ClickHouse/m,
    )
    expect(second?.stderr).not.toMatch(/^\s+at /m)
  }, 60_000)

  it('keeps the values its caller set', async () => {
    const { environment, jemallocOptions } = await serveAndStop({
      MALLOC_TRIM_THRESHOLD_: '1048576',
      UV_THREADPOOL_SIZE: '16',
      JE_MALLOC_CONF: 'narenas:3',
    })
    expect(environment).toContain('MALLOC_MMAP_THRESHOLD_=131072')
    expect(environment).toContain('MALLOC_TRIM_THRESHOLD_=1048576')
    expect(environment).toContain('UV_THREADPOOL_SIZE=16')
    expect(jemallocOptions).toContain('opt.narenas: 3')
  }, 60_000)

  it('leaves the threads of a process that embeds the collector at their priority', async () => {
    const collector = await startCollector()
    try {
      // Two passes would have lowered them (the engine sets a few threads' priorities itself).
      await new Promise((resolve) => setTimeout(resolve, 2_500))
      expect([...readNiceValues('self').values()]).not.toContain(10)
    } finally {
      await collector.stop()
    }
  }, 60_000)
})
