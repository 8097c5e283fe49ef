/**
 * The worker's side of the embedded ClickHouse: a `@clickhouse/client` connection whose calls
 * are run by the main thread on its own connection (`run-db-request.ts`), since chDB cannot be
 * loaded in a worker thread (chdb 3.4 segfaults when such a thread exits). Plugged in with
 * `createClient({ connection })`, so the CRM's code is the same in both threads.
 */
import { Readable } from 'node:stream'
import { ClickHouseError } from '@clickhouse/client'
import type { Connection } from '@rastro/chdb-connection'
import type { DbMethod, DbParams, DbResult, ToMain, ToWorker } from './feed-messages.js'

type Answer = Extract<ToWorker, { type: 'db' }>
type QueryParams = Parameters<Connection['query']>[0]
type ExecParams = Parameters<Connection['exec']>[0]
type InsertParams = Parameters<Connection['insert']>[0]

/** The fields of `params` that mean something to the engine (a signal or a stream cannot cross threads). */
function toDbParams(params: QueryParams): DbParams {
  const { query, clickhouse_settings, query_params, query_id, session_id } = params
  return { query, clickhouse_settings, query_params, query_id, session_id }
}

async function readBytes(values: string | AsyncIterable<unknown>): Promise<Uint8Array> {
  if (typeof values === 'string') return Buffer.from(values)
  const chunks: Buffer[] = []
  for await (const chunk of values)
    chunks.push(typeof chunk === 'string' ? Buffer.from(chunk) : (chunk as Buffer))
  return Buffer.concat(chunks)
}

function toStream(bytes: Uint8Array): Readable {
  const stream = Readable.from([Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength)])
  // ResultSet.close() destroys an unread stream with an error; nothing else can fail here.
  stream.on('error', () => {})
  return stream
}

export class PortConnection implements Connection {
  readonly #post: (message: ToMain) => void
  readonly #pending = new Map<number, { resolve(answer: Answer): void }>()
  #nextId = 0

  /** @param post sends a message to the main thread (`parentPort.postMessage`). */
  constructor(post: (message: ToMain) => void) {
    this.#post = post
  }

  /** Hands the main thread's answer to the call waiting for it. */
  settle(answer: Answer): void {
    this.#pending.get(answer.id)?.resolve(answer)
    this.#pending.delete(answer.id)
  }

  /** @throws ClickHouseError the engine's error, as the main thread's connection threw it. */
  async #call(method: DbMethod, params: QueryParams, body?: Uint8Array) {
    const id = this.#nextId++
    const answer = await new Promise<Answer>((resolve) => {
      this.#pending.set(id, { resolve })
      this.#post({ type: 'db', id, method, params: toDbParams(params), ...(body ? { body } : {}) })
    })
    if ('error' in answer)
      throw new ClickHouseError({
        message: answer.error.message,
        code: answer.error.code ?? '',
        type: answer.error.type,
      })
    return answer as { result: DbResult; bytes: Uint8Array }
  }

  async query(params: QueryParams) {
    const { result, bytes } = await this.#call('query', params)
    return { ...result, stream: toStream(bytes) }
  }

  async exec(params: ExecParams) {
    const body = params.values === undefined ? undefined : await readBytes(params.values)
    const { result, bytes } = await this.#call('exec', params, body)
    return { ...result, stream: toStream(bytes) }
  }

  async insert(params: InsertParams) {
    return (await this.#call('insert', params, await readBytes(params.values))).result
  }

  async command(params: QueryParams) {
    return (await this.#call('command', params)).result
  }

  async ping() {
    try {
      await this.#call('query', { query: 'SELECT 1' })
      return { success: true as const }
    } catch (error) {
      return { success: false as const, error: error as Error }
    }
  }

  /** Nothing to close: the engine is the main thread's. */
  async close(): Promise<void> {}
}
