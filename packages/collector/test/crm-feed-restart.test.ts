/**
 * The real CRM feed worker, stopped while it has a batch in hand: the batch fails, the log
 * consumer `crm` retries it in a new worker, and the CRM scores its events once. The worker is
 * stopped at a known point: it asked for the tenant's single writer, which an API write holds.
 * Its own file: chDB opens one data directory per process, and `node:worker_threads` is mocked to
 * record the workers the collector starts.
 */
import type * as WorkerThreads from 'node:worker_threads'
import { afterAll, beforeAll, expect, it, vi } from 'vitest'
import {
  keys,
  postBatch,
  queryRows,
  startCollector,
  type RunningCollector,
} from './helpers/start-collector.js'
import { waitFor } from './helpers/start-forwarding-collector.js'

const started = vi.hoisted(() => [] as { url: string; worker: WorkerThreads.Worker }[])
vi.mock('node:worker_threads', async (importOriginal) => {
  const actual = await importOriginal<typeof WorkerThreads>()
  class RecordedWorker extends actual.Worker {
    constructor(...args: ConstructorParameters<typeof actual.Worker>) {
      super(...args)
      started.push({ url: String(args[0]), worker: this })
    }
  }
  // Node 20 has no isMarkedAsUntransferable; the mock must still answer for it, as Node does.
  const isMarkedAsUntransferable = (actual as { isMarkedAsUntransferable?: unknown }).isMarkedAsUntransferable
  return { ...actual, isMarkedAsUntransferable, Worker: RecordedWorker }
})

let collector: RunningCollector

beforeAll(async () => {
  collector = await startCollector()
})
afterAll(async () => {
  await collector?.stop()
})

const crmWorkers = () => started.filter((entry) => entry.url.endsWith('crm-feed-worker.js'))

const send = (batch: unknown[]) => postBatch(collector, batch)

/** The lead score of the contact with `email`, once the CRM has it. */
async function scoreOf(email: string): Promise<number> {
  const [identity] = await queryRows<{ contact_id: string }>(
    collector,
    `SELECT contact_id FROM crm_identities FINAL WHERE kind = 'email' AND value = {email:String}`,
    { email },
  )
  const response = await fetch(`${collector.url}/v1/crm/contacts/${identity!.contact_id}/score`, {
    headers: { authorization: `Bearer ${keys.secretKey}` },
  })
  return ((await response.json()) as { total: number }).total
}

it('retries the batch of a CRM feed worker that stopped in a new worker, and scores its events once', async () => {
  const run = Date.now()
  const email = (who: string) => `${who}-${run}@example.com`
  const identify = (who: string) => ({
    type: 'identify',
    messageId: `identify-${who}-${run}`,
    anonymousId: `anon-${who}-${run}`,
    traits: { email: email(who) },
  })
  const pageView = (who: string) => ({
    type: 'page',
    messageId: `page-${who}-${run}`,
    anonymousId: `anon-${who}-${run}`,
    properties: { path: '/' },
  })
  const log = collector.app.ingestLog
  // Three contacts through the first worker: `control` views a page, `marker` does not.
  const first = [identify('restart'), identify('control'), pageView('control'), identify('marker')]
  expect((await send(first)).status).toBe(200)
  await waitFor('the CRM feed to handle the first batch', () => log.getLag('crm').bytes === 0)
  expect(crmWorkers()).toHaveLength(1)
  const worker = crmWorkers()[0]!.worker

  // An API write holds tenant one's writer; the worker asks for it for `restart`'s page view, and stops.
  let releaseApi!: () => void
  const apiWrite = collector.app.crm.writer.run(
    'one',
    () => new Promise<void>((resolve) => (releaseApi = resolve)),
  )
  const askedForWriter = new Promise<void>((resolve) =>
    worker.on('message', (message: { type: string }) => message.type === 'lock' && resolve()),
  )
  expect((await send([pageView('restart')])).status).toBe(200)
  await askedForWriter
  expect(await worker.terminate()).toBe(1)
  releaseApi()
  await apiWrite

  // The log consumer retries the batch in a new worker: the page view is scored, once.
  await waitFor('the CRM feed to handle the retried batch', () => log.getLag('crm').bytes === 0)
  expect(crmWorkers()).toHaveLength(2)
  expect(await scoreOf(email('control'))).toBeGreaterThan(await scoreOf(email('marker')))
  expect(await scoreOf(email('restart'))).toBe(await scoreOf(email('control')))
})
