/**
 * FsyncThread on real files: fdatasync resolves, a file system error rejects with its code, the
 * thread tells its Linux id, close waits for the calls in flight, and a thread that stops while a
 * call waits fails that call and is started again by the next.
 */
import { closeSync, mkdtempSync, openSync, readdirSync, rmSync, writeSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type * as WorkerThreads from 'node:worker_threads'
import type { Worker } from 'node:worker_threads'
import { afterAll, describe, expect, it, vi } from 'vitest'
import { FsyncThread } from '../../src/log/fsync-thread.js'

/** Every thread FsyncThread starts, so a test can stop one as a crash would. */
const started = vi.hoisted(() => [] as Worker[])
vi.mock('node:worker_threads', async (importOriginal) => {
  const actual = await importOriginal<typeof WorkerThreads>()
  class RecordedWorker extends actual.Worker {
    constructor(...args: ConstructorParameters<typeof actual.Worker>) {
      super(...args)
      started.push(this)
    }
  }
  return { ...actual, Worker: RecordedWorker }
})

const dir = mkdtempSync(join(tmpdir(), 'rastro-fsync-'))
afterAll(() => rmSync(dir, { recursive: true, force: true }))

describe('FsyncThread', () => {
  it('syncs on its own thread, which tells its id', async () => {
    let threadId: number | undefined
    const thread = new FsyncThread((id) => (threadId = id))
    const fd = openSync(join(dir, 'a'), 'w')
    writeSync(fd, 'event')
    await thread.fdatasync(fd)
    // The id comes as a message, which may arrive after the first call's answer (shared memory).
    const deadline = Date.now() + 5000
    while (threadId === undefined && Date.now() < deadline)
      await new Promise((resolve) => setTimeout(resolve, 5))
    expect(threadId).toBeGreaterThan(0)
    expect(threadId).not.toBe(process.pid)
    expect(readdirSync('/proc/self/task')).toContain(String(threadId))
    const calls = Array.from({ length: 20 }, () => thread.fdatasync(fd))
    await thread.close()
    // close waited for every call: all resolved, none rejected by the thread's end.
    await expect(Promise.all(calls)).resolves.toHaveLength(20)
    expect(readdirSync('/proc/self/task')).not.toContain(String(threadId))
    closeSync(fd)
  })

  it("rejects with the file system's error code", async () => {
    const thread = new FsyncThread()
    // No process holds a million open files here: not a descriptor.
    await expect(thread.fdatasync(1_000_000)).rejects.toMatchObject({ code: 'EBADF' })
    await thread.close()
  })

  it('fails a call waiting when the thread stops, and starts a new thread for the next', async () => {
    const thread = new FsyncThread()
    const fd = openSync(join(dir, 'b'), 'w')
    writeSync(fd, 'event')
    const before = started.length
    const waiting = thread.fdatasync(fd)
    // The call starts the thread a microtask later; stopped at once, it has not booted, so it
    // cannot have answered.
    for (let turn = 0; turn < 10 && started.length === before; turn++) await Promise.resolve()
    expect(started).toHaveLength(before + 1)
    await started[before]!.terminate()
    await expect(waiting).rejects.toThrow('the log fsync thread stopped')
    await expect(thread.fdatasync(fd)).resolves.toBeUndefined()
    expect(started).toHaveLength(before + 2)
    await thread.close()
    closeSync(fd)
  })
})
