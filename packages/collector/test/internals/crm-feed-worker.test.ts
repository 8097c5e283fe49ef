import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { pathToFileURL } from 'node:url'
import { afterAll, describe, expect, it } from 'vitest'
import { CrmFeedWorker } from '../../src/crm-feed/crm-feed-worker.js'
import { quietLogger } from '../helpers/test-site.js'

const dir = mkdtempSync(join(tmpdir(), 'rastro-feed-worker-'))
afterAll(() => rmSync(dir, { recursive: true, force: true }))

/** A single writer of one tenant: work runs one at a time, in order. */
function createWriter() {
  let tail: Promise<unknown> = Promise.resolve()
  return {
    run<T>(_tenantId: string, work: () => Promise<T>): Promise<T> {
      const result = tail.then(work)
      tail = result.catch(() => undefined)
      return result
    },
    async whenIdle() {
      await tail
    },
  }
}

/**
 * A stand-in for the feed worker speaking the same messages: a batch whose first payload byte is
 * `k` asks for the tenant's writer and dies before it gets it; any other takes the writer, records
 * the batch in a file (the main thread's writer sees it), and answers.
 */
const script = join(dir, 'worker.mjs')
writeFileSync(
  script,
  `import { parentPort } from 'node:worker_threads'
const locked = new Map()
parentPort.on('message', (message) => {
  if (message.type === 'locked') locked.get(message.id)?.()
  if (message.type === 'close') parentPort.close()
  if (message.type !== 'events') return
  const text = Buffer.from(message.payloads[0]).toString()
  parentPort.postMessage({ type: 'lock', id: message.id, tenantId: 't' })
  if (text === 'k') process.exit(3)
  locked.set(message.id, () => {
    parentPort.postMessage({ type: 'log', level: 'warn', object: { batch: text }, message: 'handled' })
    parentPort.postMessage({ type: 'unlock', id: message.id })
    parentPort.postMessage({ type: 'handled', id: message.id })
  })
})
`,
)

describe('CrmFeedWorker', () => {
  it('fails the batch of a worker that stopped, frees the writer it asked for, and starts a new worker', async () => {
    const writer = createWriter()
    const logged: string[] = []
    const feed = new CrmFeedWorker({
      store: { server: { url: 'http://clickhouse.invalid:8123' } },
      writer,
      insertSettings: undefined,
      cluster: undefined,
      retentionDays: {},
      recentIdsLimit: undefined,
      logger: { ...quietLogger, warn: (object) => void logged.push((object as { batch: string }).batch) },
      workerUrl: pathToFileURL(script),
    })
    // An API write holds the tenant's writer while the worker asks for it, then dies.
    let releaseApi!: () => void
    const api = writer.run('t', () => new Promise<void>((resolve) => (releaseApi = resolve)))
    const killed = feed.handle([Buffer.from('k')])
    await expect(killed).rejects.toThrow(/stopped \(exit code 3\)/)
    releaseApi()
    await api
    // The writer is free again, and the next batch runs in a new worker, inside the writer.
    await feed.handle([Buffer.from('next')])
    await writer.whenIdle()
    expect(logged).toEqual(['next'])
    await feed.close()
  })
})
