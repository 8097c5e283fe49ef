/**
 * The main thread's side of the CRM feed worker (`feed-worker.ts`): starts it, hands it batches
 * of log records, runs its ClickHouse calls on the embedded engine, and holds the tenants' single
 * writer for it while it writes. A worker that stops unexpectedly fails the batch in hand (the
 * log consumer retries it) and is started again for the next one.
 */
import * as workerThreads from 'node:worker_threads'
import { Worker } from 'node:worker_threads'
import type { ClickHouseSettings } from '@clickhouse/client'
import { getVersionClock, type TenantWriter } from '@rastro/crm-api'
import type { LogLogger } from '../log/segment-log.js'
import type { Store } from '../store/create-store-client.js'
import type { FeedWorkerData, ToMain, ToWorker } from './feed-messages.js'
import { runDbRequest } from './run-db-request.js'

/**
 * Whether `buffer` is one Node refuses to transfer (its shared pool): Node ≥ 21 tells, and throws
 * when such a buffer is in a transfer list; Node 20 cannot tell, and copies it instead.
 */
const isMarkedAsUntransferable =
  (workerThreads as { isMarkedAsUntransferable?: (value: object) => boolean }).isMarkedAsUntransferable ??
  (() => false)

/**
 * The worker's script: beside the built module (`dist/`). Tests run this module from `src/`
 * under vitest, where Node cannot start a TypeScript worker: they use the package's build, which
 * `npm test` makes first.
 */
const WORKER_URL = import.meta.url.endsWith('.ts')
  ? new URL('../../dist/crm-feed-worker.js', import.meta.url)
  : new URL('./crm-feed-worker.js', import.meta.url)

export interface CrmFeedWorkerOptions {
  /** Where ClickHouse is: the embedded engine's connection, or a server the worker opens a client of. */
  store: Pick<Store, 'connection' | 'server'>
  /** The CRM's single writer of each tenant (`app.crm.writer`). */
  writer: TenantWriter
  insertSettings: ClickHouseSettings | undefined
  cluster: string | undefined
  /** Days the CRM keeps its audit log and event links, per tenant id. */
  retentionDays: Record<string, number>
  /** Message ids the feed remembers to skip redeliveries (undefined: the CRM's default). */
  recentIdsLimit: number | undefined
  logger: LogLogger
  /** The worker's script (default: the built `crm-feed-worker.js`). */
  workerUrl?: URL
}

interface Running {
  worker: Worker
  /** Batches handed over and not yet answered, by id. */
  batches: Map<number, { resolve(): void; reject(error: Error): void }>
  /** Releases of the tenant writers the worker holds, by lock id. */
  held: Map<number, () => void>
  /** Callers of {@link CrmFeedWorker.whenIdle} waiting for the worker's answer, by id. */
  idleWaiters: Map<number, () => void>
  /** Set when the worker exited: a writer it asked for and gets only now is released at once. */
  stopped: boolean
  exited: Promise<void>
}

export class CrmFeedWorker {
  readonly #options: CrmFeedWorkerOptions
  #running: Running | undefined
  #nextBatchId = 0
  #nextIdleId = 0
  #closing = false

  /** @throws TypeError when `store` has neither an embedded connection nor a server. */
  constructor(options: CrmFeedWorkerOptions) {
    if (!options.store.connection && !options.store.server)
      throw new TypeError('the CRM feed needs the embedded engine or a ClickHouse server')
    this.#options = options
  }

  /**
   * Hands `payloads` (log records of `events` rows) to the CRM, moving their memory (each
   * payload's whole `ArrayBuffer`; one in Node's shared pool is copied instead) to the worker:
   * they are empty afterwards. Resolves once they are written.
   * @throws Error when the CRM failed on them or the worker stopped.
   */
  handle(payloads: Buffer[]): Promise<void> {
    if (this.#closing) return Promise.reject(new Error('the CRM feed worker is closing'))
    const running = (this.#running ??= this.#start())
    const id = this.#nextBatchId++
    // The log's read buffers move to the worker, not copied: cloning the payloads cost 2.2-3.6 ms
    // of CPU per MB on the event loop, and joining them into one buffer to transfer 0.6-0.8
    // (measured), in stretches of tens of ms under load. The record consumer reads the batch
    // again for a retry.
    const buffers = [...new Set(payloads.map((payload) => payload.buffer as ArrayBuffer))].filter(
      (buffer) => !isMarkedAsUntransferable(buffer),
    )
    return new Promise<void>((resolve, reject) => {
      running.batches.set(id, { resolve, reject })
      running.worker.postMessage({ type: 'events', id, payloads } satisfies ToWorker, buffers)
    })
  }

  #start(): Running {
    const { store, logger } = this.#options
    const workerData: FeedWorkerData = {
      server: store.connection ? undefined : store.server,
      insertSettings: this.#options.insertSettings,
      cluster: this.#options.cluster,
      retentionDays: this.#options.retentionDays,
      recentIdsLimit: this.#options.recentIdsLimit,
      versionClock: getVersionClock(),
    }
    const worker = new Worker(this.#options.workerUrl ?? WORKER_URL, { workerData })
    const running: Running = {
      worker,
      batches: new Map(),
      held: new Map(),
      idleWaiters: new Map(),
      stopped: false,
      exited: new Promise((resolve) => worker.once('exit', () => resolve())),
    }
    worker.on('message', (message: ToMain) => this.#onMessage(running, message))
    worker.on('error', (error) => logger.error({ err: error }, 'CRM feed worker failed'))
    worker.once('exit', (code) => {
      running.stopped = true
      if (this.#running === running) this.#running = undefined
      for (const release of running.held.values()) release()
      const stopped = new Error(`the CRM feed worker stopped (exit code ${code})`)
      for (const batch of running.batches.values()) batch.reject(stopped)
      for (const idle of running.idleWaiters.values()) idle()
      if (!this.#closing)
        logger.error({ code }, 'CRM feed worker stopped; it starts again with the next batch')
    })
    return running
  }

  #onMessage(running: Running, message: ToMain): void {
    const { worker, batches, held } = running
    switch (message.type) {
      case 'db': {
        const { connection } = this.#options.store
        if (connection) void runDbRequest(connection, message).then((answer) => worker.postMessage(answer))
        break
      }
      case 'lock':
        void this.#options.writer.run(
          message.tenantId,
          () =>
            new Promise<void>((release) => {
              if (running.stopped) return release()
              held.set(message.id, release)
              worker.postMessage({ type: 'locked', id: message.id } satisfies ToWorker)
            }),
        )
        break
      case 'unlock':
        held.get(message.id)?.()
        held.delete(message.id)
        break
      case 'handled': {
        const batch = batches.get(message.id)
        batches.delete(message.id)
        if (message.error === undefined) batch?.resolve()
        else batch?.reject(new Error(message.error))
        break
      }
      case 'idle':
        running.idleWaiters.get(message.id)?.()
        running.idleWaiters.delete(message.id)
        break
      case 'log':
        this.#options.logger[message.level](message.object, message.message)
        break
    }
  }

  /**
   * Resolves once the batches handed over so far are handled (or failed) and the hot-lead webhook
   * deliveries they started, retries included, are done; at once when no worker runs, and when
   * the worker stops meanwhile.
   */
  whenIdle(): Promise<void> {
    const running = this.#running
    if (!running) return Promise.resolve()
    const id = this.#nextIdleId++
    return new Promise<void>((resolve) => {
      running.idleWaiters.set(id, resolve)
      running.worker.postMessage({ type: 'whenIdle', id } satisfies ToWorker)
    })
  }

  /** Lets the worker finish its webhook deliveries (retries waiting are given up) and stop. */
  async close(): Promise<void> {
    this.#closing = true
    const running = this.#running
    if (!running) return
    running.worker.postMessage({ type: 'close' } satisfies ToWorker)
    await running.exited
  }
}
