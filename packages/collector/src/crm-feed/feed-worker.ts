/**
 * The CRM feed's worker thread: decodes the log records the main thread hands it and runs the
 * CRM's feed on them (identities, contacts, lead scores, deal rules), so that work never holds up
 * the event loop that acknowledges ingest (measured on the main thread: the feed took ~40% of
 * its CPU per event, and doubled its event-loop delay p99 at a quarter of the maximum load).
 *
 * The CRM's writes of a tenant still run one at a time with the API's: each batch takes the
 * tenant's single writer on the main thread (`lock`/`locked`/`unlock`) and versions come from the
 * main thread's clock in shared memory. On the embedded engine, ClickHouse calls go through the
 * main thread (`PortConnection`); on a server, the worker opens its own client.
 */
import { parentPort, workerData } from 'node:worker_threads'
import { createClient } from '@clickhouse/client'
import { createCrmFeed, createServerClient, useVersionClock, type TenantWriter } from '@rastro/crm-api/feed'
import { decodeCrmRows } from './decode-crm-rows.js'
import type { FeedWorkerData, ToMain, ToWorker } from './feed-messages.js'
import { PortConnection } from './port-connection.js'

const data = workerData as FeedWorkerData
const port = parentPort!
const post = (message: ToMain): void => port.postMessage(message)
useVersionClock(data.versionClock)

const connection = data.server ? undefined : new PortConnection(post)
const client = data.server ? createServerClient(data.server) : createClient({ connection: connection! })

/** A log object as plain data: an error as its name, message, stack and code. */
function toLogObject(object: object): object {
  return JSON.parse(
    JSON.stringify(object, (_key, value: unknown) =>
      value instanceof Error
        ? {
            type: value.name,
            message: value.message,
            stack: value.stack,
            code: (value as { code?: unknown }).code,
          }
        : value,
    ),
  ) as object
}

const lockWaiters = new Map<number, () => void>()
const running = new Set<Promise<unknown>>()
let nextLockId = 0

/** The main thread's single writer of each tenant, taken for the length of `work`. */
const writer: TenantWriter = {
  run<T>(tenantId: string, work: () => Promise<T>): Promise<T> {
    const id = nextLockId++
    const result = new Promise<void>((resolve) => {
      lockWaiters.set(id, resolve)
      post({ type: 'lock', id, tenantId })
    })
      .then(work)
      .finally(() => post({ type: 'unlock', id }))
    running.add(result)
    void result.then(
      () => running.delete(result),
      () => running.delete(result),
    )
    return result
  },
  async whenIdle() {
    while (running.size > 0) await Promise.allSettled([...running])
  },
}

const feed = createCrmFeed({
  client,
  insertSettings: data.insertSettings,
  cluster: data.cluster,
  writer,
  getRetentionDays: (tenantId) => data.retentionDays[tenantId] ?? 1095,
  recentIdsLimit: data.recentIdsLimit,
  log: {
    warn: (object, message) => post({ type: 'log', level: 'warn', object: toLogObject(object), message }),
    error: (object, message) => post({ type: 'log', level: 'error', object: toLogObject(object), message }),
  },
})

/** Batches being handled. */
const handling = new Set<Promise<void>>()

async function handle(id: number, payloads: Uint8Array[]): Promise<void> {
  try {
    const rows = payloads.flatMap((payload) =>
      decodeCrmRows(Buffer.from(payload.buffer, payload.byteOffset, payload.byteLength)),
    )
    if (rows.length > 0) await feed.onEvents(rows)
    post({ type: 'handled', id })
  } catch (error) {
    post({ type: 'handled', id, error: error instanceof Error ? error.message : String(error) })
  }
}

port.on('message', (message: ToWorker) => {
  switch (message.type) {
    case 'db':
      connection?.settle(message)
      break
    case 'locked':
      lockWaiters.get(message.id)?.()
      lockWaiters.delete(message.id)
      break
    case 'events': {
      const handled = handle(message.id, message.payloads).finally(() => handling.delete(handled))
      handling.add(handled)
      break
    }
    case 'whenIdle': {
      const { id } = message
      void (async () => {
        while (handling.size > 0) await Promise.allSettled([...handling])
        await writer.whenIdle()
        await feed.whenIdle()
      })()
        // Answered whatever happened: a waiter on the main thread must never hang.
        .catch(() => undefined)
        .then(() => post({ type: 'idle', id }))
      break
    }
    case 'close':
      void writer
        .whenIdle()
        .then(() => feed.close())
        .then(() => client.close())
        .finally(() => port.close())
      break
  }
})
