/**
 * Starts Mosquitto on a free loopback port for a test file and stops it. Mosquitto comes from
 * `apt-get install -y mosquitto` (.ci/run installs it); without it the test fails, it does not skip.
 */
import { spawn } from 'node:child_process'
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { connect, createServer, type AddressInfo } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'

export interface Broker {
  /** `mqtt://127.0.0.1:<port>` */
  url: string
  stop(): Promise<void>
}

function getFreePort(): Promise<number> {
  return new Promise((resolve) => {
    const server = createServer().listen(0, '127.0.0.1', () => {
      const { port } = server.address() as AddressInfo
      server.close(() => resolve(port))
    })
  })
}

async function waitForPort(port: number): Promise<void> {
  for (let attempt = 0; attempt < 100; attempt++) {
    const open = await new Promise<boolean>((resolve) => {
      const socket = connect(port, '127.0.0.1', () => {
        socket.end()
        resolve(true)
      }).on('error', () => resolve(false))
    })
    if (open) return
    await new Promise((resolve) => setTimeout(resolve, 50))
  }
  throw new Error(`mosquitto did not listen on port ${port}`)
}

export async function startMosquitto(): Promise<Broker> {
  const binary = ['/usr/sbin/mosquitto', '/usr/bin/mosquitto', '/usr/local/sbin/mosquitto'].find((path) =>
    existsSync(path),
  )
  if (!binary) throw new Error('mosquitto is not installed: apt-get install -y mosquitto (.ci/run does)')
  const dir = mkdtempSync(join(tmpdir(), 'rastro-mqtt-'))
  const port = await getFreePort()
  const configPath = join(dir, 'mosquitto.conf')
  writeFileSync(configPath, `listener ${port} 127.0.0.1\nallow_anonymous true\npersistence false\n`)
  const broker = spawn(binary, ['-c', configPath], { stdio: 'ignore' })
  const exited = new Promise((resolve) => broker.once('exit', resolve))
  await waitForPort(port)
  return {
    url: `mqtt://127.0.0.1:${port}`,
    async stop() {
      if (broker.exitCode === null) broker.kill()
      await exited
      rmSync(dir, { recursive: true, force: true })
    },
  }
}
