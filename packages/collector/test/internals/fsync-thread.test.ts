/**
 * FsyncThread on real files: fdatasync resolves, a file system error rejects with its code, the
 * thread tells its Linux id, and close waits for the calls in flight.
 */
import { closeSync, mkdtempSync, openSync, readdirSync, rmSync, writeSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { FsyncThread } from '../../src/log/fsync-thread.js'

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
})
