/**
 * The server SDK's client. Each call stamps the event (UUID v7 `messageId`, `timestamp`), turns it
 * into JSON at once (so later changes to your objects do not leak in) and queues it; batches leave
 * when `flushAt` events wait or `flushInterval` passes, up to 4 requests at a time, each under the
 * collector's limits (2,500 events, 500 KiB). Failed deliveries are retried with exponential
 * backoff and full jitter, honouring `Retry-After`, always with the same message ids, so the
 * collector stores each event once. What is finally dropped is reported, never thrown.
 */
import { EventEmitter } from 'node:events'
import {
  MAX_BATCH_BYTES,
  MAX_BATCH_EVENTS,
  MAX_EVENT_BYTES,
  type EventType,
  type RastroEvent,
  type RejectedEvent,
} from '@rastro/schema/types'
import { Agent } from 'undici'
import packageJson from '../package.json' with { type: 'json' }
import type {
  AliasParams,
  CallParams,
  GroupParams,
  IdentifyParams,
  PageParams,
  ScreenParams,
  TrackParams,
} from './call-params.js'
import { createMessageId } from './create-message-id.js'
import {
  createError,
  type NodeErrorCode,
  type RastroNodeError,
  type RastroNodeErrorDetails,
} from './errors.js'
import { readRequestIds, type RequestIds, type RequestLike } from './from-request.js'
import { compileTrust, type TrustProxy } from './get-client-ip.js'
import { getRetryDelay } from './get-retry-delay.js'
import { sendBatch, type Transport } from './send-batch.js'

/** `context.library` of every event. */
export const LIBRARY = { name: '@rastro/node', version: packageJson.version } as const

/** Requests in flight at once; more batches wait in the queue (and grow, up to the limits). */
export const MAX_CONCURRENT_REQUESTS = 4

/** Bytes of a batch body around its events: `{"batch":[`, the commas, `],"sentAt":"<24 chars>"}`. */
const BATCH_ENVELOPE_BYTES = 64

/** Options of {@link Rastro}. */
export interface RastroOptions {
  /** The write key of a site in the collector's config (`wk_…`). */
  writeKey: string
  /** The collector's base URL, e.g. `https://rastro.example.com` (a path prefix is kept). */
  host: string
  /** Send as soon as this many events wait (1 to 2,500); default 20. */
  flushAt?: number
  /** Send what waits after this long (ms); default 10,000. The timer never keeps the process alive. */
  flushInterval?: number
  /** Events kept at most while the collector is slow or down; more are dropped and reported. Default 100,000. */
  maxQueueSize?: number
  /** Retries of a batch before its events are dropped and reported; default 10 (about a minute of backoff). */
  maxRetries?: number
  /** Per request: time allowed for the connection, the answer's headers, and then its body (ms); default 10,000. */
  timeout?: number
  /** Gzip request bodies of 1 KiB and more; default true. */
  gzip?: boolean
  /** Proxies whose `X-Forwarded-For` {@link Rastro.fromRequest} believes; default `false`. */
  trustProxy?: TrustProxy
  /** Called for every event that is finally dropped, with why (`error.code`) and the `error.events`. Must not throw. */
  onError?: (error: RastroNodeError) => void
}

interface QueuedEvent {
  json: string
  /** UTF-8 bytes of `json`. */
  bytes: number
}

function isText(value: unknown): value is string {
  return typeof value === 'string' && value !== ''
}

function checkInteger(options: RastroOptions, field: keyof RastroOptions, min: number, max: number): number {
  const value = options[field]
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) {
    throw createError('RASTRO_ERR_NODE_INVALID_OPTION', {
      field,
      message: `${field} must be an integer from ${min} to ${max}`,
    })
  }
  return value
}

function resolveOptions(options: RastroOptions) {
  if (!isText(options?.writeKey)) {
    throw createError('RASTRO_ERR_NODE_INVALID_OPTION', {
      field: 'writeKey',
      message: 'writeKey is required: the write key of a site in rastro.config.json',
    })
  }
  let url: URL | undefined
  try {
    url = new URL(`${options.host.replace(/\/+$/, '')}/v1/batch`)
  } catch {
    url = undefined
  }
  if (!url || (url.protocol !== 'http:' && url.protocol !== 'https:')) {
    throw createError('RASTRO_ERR_NODE_INVALID_OPTION', {
      field: 'host',
      message: 'host must be the http(s) URL of the collector, e.g. https://rastro.example.com',
    })
  }
  const withDefaults = {
    flushAt: 20,
    flushInterval: 10_000,
    maxQueueSize: 100_000,
    maxRetries: 10,
    timeout: 10_000,
    ...Object.fromEntries(Object.entries(options).filter(([, value]) => value !== undefined)),
  } as RastroOptions
  return {
    writeKey: options.writeKey,
    url: url.href,
    flushAt: checkInteger(withDefaults, 'flushAt', 1, MAX_BATCH_EVENTS),
    flushInterval: checkInteger(withDefaults, 'flushInterval', 1, 2 ** 31 - 1),
    maxQueueSize: checkInteger(withDefaults, 'maxQueueSize', 1, Number.MAX_SAFE_INTEGER),
    maxRetries: checkInteger(withDefaults, 'maxRetries', 0, 1_000),
    timeout: checkInteger(withDefaults, 'timeout', 1, 2 ** 31 - 1),
    gzip: options.gzip ?? true,
    trust: compileTrust(options.trustProxy ?? false),
    onError: options.onError,
  }
}

/**
 * A client of the collector's Segment-compatible HTTP API.
 *
 * @example
 * const rastro = new Rastro({ writeKey: 'wk_demo_server', host: 'http://localhost:8080' })
 * rastro.track({ userId: 'u-42', event: 'Plan Upgraded', properties: { plan: 'pro' } })
 * process.on('SIGTERM', () => rastro.shutdown().then(() => process.exit(0)))
 */
export class Rastro extends EventEmitter<{ error: [RastroNodeError] }> {
  readonly #options: ReturnType<typeof resolveOptions>
  readonly #agent: Agent
  readonly #transport: Transport
  #queue: QueuedEvent[] = []
  #inFlight = 0
  /** Set by the flush timer: send what waits even below `flushAt`, until the queue is empty. */
  #sendAll = false
  #flushTimer: NodeJS.Timeout | undefined
  /** No request leaves before this time (epoch ms): the collector's `Retry-After`. */
  #pausedUntil = 0
  /** Resolvers of `flush()` calls, settled when nothing waits and nothing is in flight. */
  #idleWaiters: (() => void)[] = []
  /** Backoff timers; ref'd while someone awaits `flush()`, so the process waits for delivery. */
  readonly #sleeps = new Set<NodeJS.Timeout>()
  readonly #abort = new AbortController()
  #closed = false
  #shutdown: Promise<void> | undefined
  readonly #warned = new Set<NodeErrorCode>()

  /** @throws RastroNodeError `RASTRO_ERR_NODE_INVALID_OPTION` naming the bad option (`error.field`). */
  constructor(options: RastroOptions) {
    super()
    this.#options = resolveOptions(options)
    const timeout = this.#options.timeout
    this.#agent = new Agent({ connections: MAX_CONCURRENT_REQUESTS, connect: { timeout } })
    this.#transport = {
      url: this.#options.url,
      dispatcher: this.#agent,
      timeoutMs: timeout,
      gzip: this.#options.gzip,
      headers: {
        authorization: `Basic ${Buffer.from(`${this.#options.writeKey}:`).toString('base64')}`,
        'content-type': 'application/json',
        'user-agent': `rastro-node/${LIBRARY.version}`,
      },
    }
  }

  /** Records a user action. @returns the event's `messageId`. */
  track(params: TrackParams): string {
    return this.#enqueue('track', params, ['event'], { event: params?.event, properties: params?.properties })
  }

  /** Records who the user is. @returns the event's `messageId`. */
  identify(params: IdentifyParams): string {
    return this.#enqueue('identify', params, [], { traits: params?.traits })
  }

  /** Records a page view. @returns the event's `messageId`. */
  page(params: PageParams): string {
    const { name, category, properties } = params ?? {}
    return this.#enqueue('page', params, [], { name, category, properties })
  }

  /** Records a mobile screen view. @returns the event's `messageId`. */
  screen(params: ScreenParams): string {
    return this.#enqueue('screen', params, [], { name: params?.name, properties: params?.properties })
  }

  /** Records the account or company of the user. @returns the event's `messageId`. */
  group(params: GroupParams): string {
    return this.#enqueue('group', params, ['groupId'], { groupId: params?.groupId, traits: params?.traits })
  }

  /** Links `previousId` to `userId`. @returns the event's `messageId`. */
  alias(params: AliasParams): string {
    return this.#enqueue('alias', params, ['userId', 'previousId'], { previousId: params?.previousId })
  }

  /** Reads the visitor's ids from a request, trusting the client's `trustProxy`. See {@link fromRequest}. */
  fromRequest(req: RequestLike): RequestIds {
    return readRequestIds(req, this.#options.trust)
  }

  /** Events waiting to be sent (not counting those in flight). */
  get queueSize(): number {
    return this.#queue.length
  }

  /**
   * Sends everything queued now and resolves once every event queued before or during the call
   * is delivered or dropped (and reported). Never rejects. While it waits, retry timers keep the
   * process alive.
   */
  async flush(): Promise<void> {
    if (this.#queue.length === 0 && this.#inFlight === 0) return
    const idle = new Promise<void>((resolve) => this.#idleWaiters.push(resolve))
    for (const timer of this.#sleeps) timer.ref()
    this.#drain()
    return idle
  }

  /**
   * Stops taking events, delivers everything queued, then releases the connections. Calls made
   * afterwards are dropped with `RASTRO_ERR_NODE_CLOSED`.
   *
   * @param options.timeout - give up after this long (ms): what is not delivered by then is
   *   dropped and reported with `RASTRO_ERR_NODE_SHUTDOWN_TIMEOUT`. Default: wait until done.
   */
  shutdown(options: { timeout?: number } = {}): Promise<void> {
    this.#closed = true
    this.#shutdown ??= this.#close(options.timeout)
    return this.#shutdown
  }

  async #close(timeoutMs: number | undefined): Promise<void> {
    const flushed = this.flush()
    if (timeoutMs !== undefined) {
      let timer: NodeJS.Timeout | undefined
      const timedOut = await Promise.race([
        flushed.then(() => false),
        new Promise<boolean>((resolve) => (timer = setTimeout(resolve, timeoutMs, true))),
      ])
      clearTimeout(timer)
      if (timedOut) {
        this.#abort.abort(createError('RASTRO_ERR_NODE_SHUTDOWN_TIMEOUT'))
        const waiting = this.#queue.splice(0)
        if (waiting.length > 0) this.#dropQueued('RASTRO_ERR_NODE_SHUTDOWN_TIMEOUT', waiting)
      }
    }
    await flushed
    clearTimeout(this.#flushTimer)
    await this.#agent.close()
  }

  #enqueue(
    type: EventType,
    params: CallParams,
    required: readonly string[],
    fields: Record<string, unknown>,
  ): string {
    const messageId = params?.messageId ?? createMessageId()
    const timestamp = params?.timestamp ?? new Date()
    const event = {
      type,
      messageId,
      ...fields,
      userId: params?.userId,
      anonymousId: params?.anonymousId,
      timestamp: timestamp instanceof Date ? timestamp : String(timestamp),
      context: { library: LIBRARY, ...params?.context },
      integrations: params?.integrations,
    } as unknown as RastroEvent
    const problem = this.#checkEvent(params, required, timestamp)
    if (problem) {
      this.#drop('RASTRO_ERR_NODE_EVENT_INVALID', [event], { field: problem.field, message: problem.message })
      return messageId
    }
    if (this.#closed) {
      this.#drop('RASTRO_ERR_NODE_CLOSED', [event])
      return messageId
    }
    let json: string
    try {
      json = JSON.stringify(event)
    } catch (cause) {
      this.#drop('RASTRO_ERR_NODE_EVENT_INVALID', [event], {
        message: `the event cannot be turned into JSON: ${(cause as Error).message}`,
        cause,
      })
      return messageId
    }
    const bytes = Buffer.byteLength(json)
    if (bytes > MAX_EVENT_BYTES) {
      this.#drop('RASTRO_ERR_NODE_EVENT_TOO_LARGE', [event], {
        message: `the event is ${bytes} bytes as JSON; the limit is ${MAX_EVENT_BYTES}`,
      })
    } else if (this.#queue.length >= this.#options.maxQueueSize) {
      this.#drop('RASTRO_ERR_NODE_QUEUE_FULL', [event], {
        message: `the queue holds ${this.#options.maxQueueSize} events (maxQueueSize); is the collector reachable?`,
      })
    } else {
      this.#queue.push({ json, bytes })
      this.#schedule()
    }
    return messageId
  }

  #checkEvent(
    params: CallParams,
    required: readonly string[],
    timestamp: unknown,
  ): { field: string; message: string } | undefined {
    if (typeof params !== 'object' || params === null)
      return { field: '', message: 'the call needs an object' }
    for (const field of required) {
      if (!isText((params as Record<string, unknown>)[field]))
        return { field, message: `${field} must be a non-empty string` }
    }
    if (!isText(params.userId) && !isText(params.anonymousId))
      return { field: 'userId', message: 'userId or anonymousId must be a non-empty string' }
    if (
      timestamp instanceof Date
        ? Number.isNaN(timestamp.getTime())
        : Number.isNaN(Date.parse(String(timestamp)))
    )
      return { field: 'timestamp', message: 'timestamp must be a valid Date or ISO 8601 string' }
    return undefined
  }

  #schedule(): void {
    if (this.#queue.length >= this.#options.flushAt) this.#drain()
    if (this.#queue.length > 0 && !this.#flushTimer) {
      this.#flushTimer = setTimeout(() => {
        this.#flushTimer = undefined
        this.#sendAll = true
        this.#drain()
      }, this.#options.flushInterval)
      this.#flushTimer.unref()
    }
  }

  /** Starts as many batches as the concurrency allows, then settles `flush()` callers if all is done. */
  #drain(): void {
    while (
      this.#inFlight < MAX_CONCURRENT_REQUESTS &&
      this.#queue.length > 0 &&
      (this.#sendAll || this.#idleWaiters.length > 0 || this.#queue.length >= this.#options.flushAt)
    ) {
      const batch = this.#takeBatch()
      this.#inFlight += 1
      void this.#deliver(batch).finally(() => {
        this.#inFlight -= 1
        this.#drain()
      })
    }
    if (this.#queue.length === 0) {
      this.#sendAll = false
      clearTimeout(this.#flushTimer)
      this.#flushTimer = undefined
      if (this.#inFlight === 0) for (const resolve of this.#idleWaiters.splice(0)) resolve()
    }
  }

  /** The oldest events that fit one request: ≤ 2,500 events and ≤ 500 KiB of body. */
  #takeBatch(): QueuedEvent[] {
    let count = 0
    let bytes = BATCH_ENVELOPE_BYTES
    for (const event of this.#queue) {
      if (count === MAX_BATCH_EVENTS || bytes + event.bytes + 1 > MAX_BATCH_BYTES) break
      bytes += event.bytes + 1
      count += 1
    }
    return this.#queue.splice(0, count)
  }

  /** Delivers one batch, retrying what can be retried; reports whatever is dropped. */
  async #deliver(batch: QueuedEvent[]): Promise<void> {
    const texts = batch.map((event) => event.json)
    for (let attempt = 1; ; attempt += 1) {
      let result: Awaited<ReturnType<typeof sendBatch>>
      try {
        await this.#sleep(this.#pausedUntil - Date.now())
        result = await sendBatch(this.#transport, texts, this.#abort.signal)
      } catch (reason) {
        this.#dropQueued('RASTRO_ERR_NODE_SHUTDOWN_TIMEOUT', batch, { cause: reason })
        return
      }
      switch (result.kind) {
        case 'delivered':
          this.#reportRejected(batch, result.rejected)
          return
        case 'refused':
          this.#dropQueued('RASTRO_ERR_NODE_REQUEST_REJECTED', batch, {
            message: result.message,
            status: result.status,
            ...(result.collectorCode ? { collectorCode: result.collectorCode } : {}),
            ...(result.field ? { field: result.field } : {}),
          })
          return
        case 'too-large':
          // A proxy in front of the collector may allow less than 500 KiB: halve and resend.
          if (batch.length === 1) {
            this.#dropQueued('RASTRO_ERR_NODE_REQUEST_REJECTED', batch, {
              status: result.status,
              message: 'the collector (or a proxy before it) answered 413 for a single event',
            })
            return
          }
          await this.#deliver(batch.slice(0, batch.length >> 1))
          await this.#deliver(batch.slice(batch.length >> 1))
          return
        case 'retry':
          if (attempt > this.#options.maxRetries) {
            this.#dropQueued('RASTRO_ERR_NODE_RETRIES_EXHAUSTED', batch, {
              ...(result.status === undefined ? {} : { status: result.status }),
              message: `gave up after ${this.#options.maxRetries} retries; last: ${result.message}`,
              cause: result.cause,
            })
            return
          }
          if (result.retryAfterMs !== undefined)
            this.#pausedUntil = Math.max(this.#pausedUntil, Date.now() + result.retryAfterMs)
          try {
            await this.#sleep(getRetryDelay(attempt, result.retryAfterMs))
          } catch (reason) {
            this.#dropQueued('RASTRO_ERR_NODE_SHUTDOWN_TIMEOUT', batch, { cause: reason })
            return
          }
      }
    }
  }

  /** Waits `ms` (nothing when ≤ 0); rejects when shutdown's timeout aborts. */
  #sleep(ms: number): Promise<void> {
    const signal = this.#abort.signal
    if (signal.aborted) return Promise.reject(signal.reason)
    if (ms <= 0) return Promise.resolve()
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.#sleeps.delete(timer)
        signal.removeEventListener('abort', onAbort)
        resolve()
      }, ms)
      const onAbort = (): void => {
        clearTimeout(timer)
        this.#sleeps.delete(timer)
        reject(signal.reason)
      }
      signal.addEventListener('abort', onAbort, { once: true })
      if (this.#idleWaiters.length === 0) timer.unref()
      this.#sleeps.add(timer)
    })
  }

  #reportRejected(batch: QueuedEvent[], rejected: RejectedEvent[]): void {
    for (const rejection of rejected) {
      const event = batch[rejection.index]
      if (!event) continue
      this.#dropQueued('RASTRO_ERR_NODE_EVENT_REJECTED', [event], {
        collectorCode: rejection.code,
        ...(rejection.field ? { field: rejection.field } : {}),
        message: `the collector rejected the event: ${rejection.code} ${rejection.message}`,
      })
    }
  }

  #drop(
    code: NodeErrorCode,
    events: RastroEvent[],
    details: RastroNodeErrorDetails & { message?: string } = {},
  ): void {
    this.#report(createError(code, { ...details, events }))
  }

  /** Drops queued events; their JSON is parsed back so `error.events` holds them as sent. */
  #dropQueued(
    code: NodeErrorCode,
    batch: QueuedEvent[],
    details: RastroNodeErrorDetails & { message?: string } = {},
  ): void {
    this.#drop(
      code,
      batch.map((event) => JSON.parse(event.json) as RastroEvent),
      details,
    )
  }

  /** Hands an error to `onError` and `'error'` listeners; with neither, warns once per code. */
  #report(error: RastroNodeError): void {
    const { onError } = this.#options
    if (onError) {
      try {
        onError(error)
      } catch (thrown) {
        // Surface the callback's own bug without corrupting the queue's state.
        process.nextTick(() => {
          throw thrown
        })
      }
    }
    if (this.listenerCount('error') > 0) this.emit('error', error)
    else if (!onError && !this.#warned.has(error.code)) {
      this.#warned.add(error.code)
      process.emitWarning(
        `${error.message} (${error.events.length} event(s) dropped; pass onError to see every drop)`,
        { code: error.code },
      )
    }
  }
}
