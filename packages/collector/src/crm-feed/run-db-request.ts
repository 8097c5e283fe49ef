/**
 * The main thread's side of the worker's ClickHouse calls (`port-connection.ts`): runs one on the
 * embedded engine's connection and answers with the result's bytes, or the error's fields.
 */
import { Readable } from 'node:stream'
import type { Connection } from '@rastro/chdb-connection'
import type { ToMain, ToWorker } from './feed-messages.js'

type Request = Extract<ToMain, { type: 'db' }>

async function readStream(stream: AsyncIterable<unknown>): Promise<Uint8Array> {
  const chunks: Buffer[] = []
  for await (const chunk of stream) chunks.push(chunk as Buffer)
  return chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks)
}

/** Runs `request` on `connection`; never throws (a failure is the answer's `error`). */
export async function runDbRequest(connection: Connection, request: Request): Promise<ToWorker> {
  const { id, method, params, body } = request
  const values = body
    ? Readable.from([Buffer.from(body.buffer, body.byteOffset, body.byteLength)])
    : undefined
  try {
    switch (method) {
      case 'query': {
        const { stream, ...result } = await connection.query(params)
        return { type: 'db', id, result, bytes: await readStream(stream as AsyncIterable<unknown>) }
      }
      case 'exec': {
        const { stream, ...result } = await connection.exec({ ...params, ...(values ? { values } : {}) })
        return { type: 'db', id, result, bytes: await readStream(stream as AsyncIterable<unknown>) }
      }
      case 'insert': {
        const result = await connection.insert({ ...params, values: values ?? '' })
        return { type: 'db', id, result, bytes: new Uint8Array(0) }
      }
      case 'command': {
        const result = await connection.command(params)
        return { type: 'db', id, result, bytes: new Uint8Array(0) }
      }
    }
  } catch (error) {
    const { message, code, type } = error as { message: string; code?: unknown; type?: unknown }
    return {
      type: 'db',
      id,
      error: {
        message: String(message),
        ...(typeof code === 'string' ? { code } : {}),
        ...(typeof type === 'string' ? { type } : {}),
      },
    }
  }
}
