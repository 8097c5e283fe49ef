/**
 * End to end: the example firmware (examples/device-firmware, compiled with gcc) records kiosk
 * activity and sends it through a proxy to the real collector. The proxy plays the network:
 * down, answering 503, or losing the answer after the collector stored the frame; then the
 * collector itself is stopped and started again on its data. Every event and reading the
 * firmware recorded must be in ClickHouse exactly once.
 */
import { execFileSync, spawn, type ChildProcessWithoutNullStreams } from 'node:child_process'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { createServer as createHttpServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { createInterface, type Interface } from 'node:readline'
import { fileURLToPath } from 'node:url'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createServer, loadConfig } from '../src/index.js'
import { createDeviceConfig, deviceKeys } from './helpers/device-config.js'

type Collector = Awaited<ReturnType<typeof createServer>>
type ProxyMode = 'pass' | 'down' | 'unavailable' | 'lose-answer'

const firmwareDir = fileURLToPath(new URL('../../../examples/device-firmware/', import.meta.url))
const sdkDir = fileURLToPath(new URL('../../device-sdk/c/', import.meta.url))
const workDir = mkdtempSync(join(tmpdir(), 'rastro-firmware-'))
const dataDir = join(workDir, 'data')
const deviceId = 'a4cf1200e2e0'

let collector: Collector | undefined
let collectorUrl = ''
let proxy: Server
let proxyMode: ProxyMode = 'pass'
let forwarded = 0
let kiosk: ChildProcessWithoutNullStreams
let kioskLines: Interface
const pendingLines: ((line: string) => void)[] = []

/** Starts the collector on `dataDir` (kept across restarts). */
async function startCollector(): Promise<void> {
  const configPath = join(workDir, 'rastro.config.json')
  writeFileSync(configPath, JSON.stringify(createDeviceConfig()))
  const config = loadConfig({
    configPath,
    env: {},
    flags: { dataDir, port: 0, host: '127.0.0.1', flushIntervalMs: 50, logLevel: 'error' },
  })
  collector = await createServer({ config })
  collectorUrl = await collector.listen({ port: 0, host: '127.0.0.1' })
}

async function stopCollector(): Promise<void> {
  await collector?.close()
  collector = undefined
}

/** Forwards /v1/device to the collector, or plays a network fault. */
function startProxy(): Promise<number> {
  proxy = createHttpServer((request, response) => {
    const chunks: Buffer[] = []
    request.on('data', (chunk: Buffer) => chunks.push(chunk))
    request.on('end', () => {
      if (proxyMode === 'down' || !collector) {
        request.socket.destroy()
        return
      }
      if (proxyMode === 'unavailable') {
        response.writeHead(503, { 'retry-after': '1', 'content-type': 'application/json' })
        response.end('{"error":{"code":"RASTRO_ERR_STORE_UNAVAILABLE","message":"proxy"}}')
        return
      }
      fetch(`${collectorUrl}${request.url}`, {
        method: 'POST',
        headers: {
          authorization: request.headers.authorization ?? '',
          'content-type': request.headers['content-type'] ?? '',
        },
        body: Buffer.concat(chunks),
      }).then(
        async (answer) => {
          forwarded += 1
          const body = Buffer.from(await answer.arrayBuffer())
          // The collector stored the frame; the device never hears of it.
          if (proxyMode === 'lose-answer') request.socket.destroy()
          else {
            response.writeHead(answer.status, {
              'content-type': answer.headers.get('content-type') ?? '',
              'content-length': body.length,
            })
            response.end(body)
          }
        },
        () => request.socket.destroy(),
      )
    })
  })
  return new Promise((resolve) =>
    proxy.listen(0, '127.0.0.1', () => resolve((proxy.address() as AddressInfo).port)),
  )
}

/** Sends a command to the firmware and returns its answer line. */
function command(line: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`firmware did not answer "${line}"`)), 30_000)
    pendingLines.push((answer) => {
      clearTimeout(timer)
      resolve(answer)
    })
    kiosk.stdin.write(`${line}\n`)
  })
}

/** "flush done ring 0 sent 3" → { result: 'done', flush: 'done', ring: '0', … }: each word keys the next. */
function parse(line: string): Record<string, string> {
  const words = line.split(' ')
  const fields: Record<string, string> = {}
  for (let i = 0; i + 1 < words.length; i++) fields[words[i]!] ??= words[i + 1]!
  return { ...fields, result: words[1] ?? '' }
}

async function count(query: string): Promise<number> {
  // Device events are acknowledged once in the write-ahead log; ClickHouse follows.
  await collector!.whenStored()
  const result = await collector!.store.client.query({
    query,
    query_params: { id: deviceId },
    format: 'JSONEachRow',
  })
  const [row] = await result.json<{ n: string }>()
  return Number(row!.n)
}

beforeAll(async () => {
  const binary = join(workDir, 'kiosk')
  execFileSync('gcc', [
    '-std=c99',
    '-Wall',
    '-Wextra',
    '-Werror',
    '-pedantic',
    '-O2',
    `-I${sdkDir}`,
    '-o',
    binary,
    join(firmwareDir, 'main.c'),
    join(firmwareDir, 'platform_posix.c'),
    join(sdkDir, 'rastro_device.c'),
  ])
  await startCollector()
  const proxyPort = await startProxy()
  kiosk = spawn(binary, [
    '--script',
    '--url',
    `http://127.0.0.1:${proxyPort}`,
    '--key',
    deviceKeys.fleet,
    '--id',
    deviceId,
    '--state',
    join(workDir, 'kiosk.state'),
  ])
  kioskLines = createInterface({ input: kiosk.stdout })
  kioskLines.on('line', (line) => pendingLines.shift()?.(line))
  await new Promise<void>((resolve) => pendingLines.push(() => resolve()))
})

afterAll(async () => {
  kiosk?.stdin.end('quit\n')
  kiosk?.kill()
  await new Promise<void>((resolve) => (proxy ? proxy.close(() => resolve()) : resolve()))
  await stopCollector()
  rmSync(workDir, { recursive: true, force: true })
})

describe('example firmware against the collector', () => {
  it('stores every record exactly once through outages, lost answers, a collector restart and a reboot', async () => {
    // Online: two minutes of kiosk life, sent.
    expect(parse(await command('tick 120'))).toMatchObject({ ring: expect.not.stringMatching(/^0$/) })
    expect(parse(await command('flush'))).toMatchObject({ result: 'done', ring: '0' })

    // Network down: the records wait in the ring.
    proxyMode = 'down'
    await command('tick 120')
    const offline = parse(await command('flush'))
    expect(offline).toMatchObject({ result: 'retry' })
    expect(Number(offline.ring)).toBeGreaterThan(20)

    // The collector answers 503: still waiting.
    proxyMode = 'unavailable'
    await command('tick 60')
    expect(parse(await command('flush'))).toMatchObject({ result: 'retry' })

    // The collector stores a frame but the answer is lost: the device keeps the records.
    proxyMode = 'lose-answer'
    const storedBefore = await count('SELECT count() AS n FROM telemetry WHERE device_id = {id:String}')
    const lost = parse(await command('flush'))
    expect(lost).toMatchObject({ result: 'retry' })
    expect(forwarded).toBeGreaterThan(0)
    expect(await count('SELECT count() AS n FROM telemetry WHERE device_id = {id:String}')).toBeGreaterThan(
      storedBefore,
    )

    // The collector goes away and comes back on its data; the resend is stored once.
    await stopCollector()
    proxyMode = 'pass'
    expect(parse(await command('flush'))).toMatchObject({ result: 'retry' })
    await startCollector()
    expect(parse(await command('flush'))).toMatchObject({ result: 'done', ring: '0' })

    // A reset: next boot id, seqs after the reserved block, then a minute more.
    expect(parse(await command('reboot'))).toMatchObject({ result: '2', ring: '0' })
    const totals = parse(await command('tick 60'))
    expect(parse(await command('flush'))).toMatchObject({ result: 'done', ring: '0' })

    const events = Number(totals.events)
    const readings = Number(totals.readings)
    expect(totals.dropped).toBe('0')
    // Six simulated minutes: per minute a tap and a purchase, per 45 s the door opening (20);
    // per 10 s the temperature, per 45 s the door open then closed (52).
    expect(events).toBe(20)
    expect(readings).toBe(52)
    expect(await count("SELECT count() AS n FROM events WHERE anonymous_id = 'device:' || {id:String}")).toBe(
      events,
    )
    expect(await count('SELECT count() AS n FROM telemetry WHERE device_id = {id:String}')).toBe(readings)
    expect(
      await count(
        "SELECT uniqExact(message_id) AS n FROM events WHERE anonymous_id = 'device:' || {id:String}",
      ),
    ).toBe(events)
    expect(
      await count('SELECT uniqExact(boot_id, seq) AS n FROM telemetry WHERE device_id = {id:String}'),
    ).toBe(readings)
    expect(await count('SELECT uniqExact(boot_id) AS n FROM telemetry WHERE device_id = {id:String}')).toBe(2)
    // Purchases are on their customers' timelines.
    expect(
      await count(
        "SELECT count() AS n FROM events WHERE anonymous_id = 'device:' || {id:String} AND event = 'purchase' AND user_id LIKE 'cust-%' AND JSONExtractInt(properties, 'cents') > 0",
      ),
    ).toBe(6)
  })
})
