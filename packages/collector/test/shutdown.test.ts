/**
 * A stop (`app.close()`, which SIGTERM calls) with a client that never finishes its request: past
 * `shutdownGraceMs` the connection is cut, and the stop goes on, named at each phase it waits in.
 */
import { connect } from 'node:net'
import { describe, expect, it } from 'vitest'
import { keys, startCollector } from './helpers/start-collector.js'

describe('stopping', () => {
  it('cuts a connection whose request never ends once the grace is over, and stops', async () => {
    const collector = await startCollector({ settings: { shutdownGraceMs: 300 } })
    const { port } = new URL(collector.url)
    const socket = connect(Number(port), '127.0.0.1')
    await new Promise((resolve) => socket.once('connect', resolve))
    const closedByServer = new Promise((resolve) => socket.once('close', resolve))
    // Headers of a 1,000-byte body, and 10 bytes of it: the request is in flight for good.
    socket.write(
      `POST /v1/batch HTTP/1.1\r\nhost: 127.0.0.1\r\ncontent-type: application/json\r\n` +
        `authorization: Basic ${Buffer.from(`${keys.writeKey}:`).toString('base64')}\r\n` +
        `content-length: 1000\r\n\r\n{"batch":[`,
    )
    await new Promise((resolve) => setTimeout(resolve, 100))
    const started = Date.now()
    let timer: NodeJS.Timeout | undefined
    const stopped = await Promise.race([
      collector.stop().then(() => true),
      new Promise<false>((resolve) => (timer = setTimeout(() => resolve(false), 10_000))),
    ])
    clearTimeout(timer)
    expect(stopped).toBe(true)
    expect(Date.now() - started).toBeGreaterThanOrEqual(250)
    await closedByServer
  })
})
