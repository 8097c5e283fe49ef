import { createHash } from 'node:crypto'
import {
  appendFileSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  readlinkSync,
  statSync,
  writeFileSync,
  writeSync,
} from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { frameRecords, parseRecords } from '../../src/log/frame-records.js'
import { SegmentLog, type SegmentLogOptions } from '../../src/log/segment-log.js'

const opened: SegmentLog[] = []
afterEach(async () => {
  for (const log of opened.splice(0)) await log.close()
})

function createLogger() {
  const lines: { level: string; message: string; object: object }[] = []
  const at = (level: string) => (object: object, message: string) => lines.push({ level, message, object })
  return { lines, info: at('info'), warn: at('warn'), error: at('error') }
}

function openLog(dir: string, options: Partial<SegmentLogOptions> = {}) {
  const logger = createLogger()
  const log = SegmentLog.open({
    dir,
    durability: 'fsync',
    segmentBytes: 1024 * 1024,
    maxLogBytes: 64 * 1024 * 1024,
    fsyncIntervalMs: 20,
    minFreeDiskBytes: 0,
    logger,
    ...options,
  })
  opened.push(log)
  return { log, logger }
}

const tempDir = () => mkdtempSync(join(tmpdir(), 'rastro-log-'))
const text = (records: { payload: Buffer }[]) => records.map((record) => record.payload.toString())

async function reopen(log: SegmentLog, dir: string, options: Partial<SegmentLogOptions> = {}) {
  await log.close()
  opened.splice(opened.indexOf(log), 1)
  return openLog(dir, options)
}

/** The bytes of a frame: each piece copied as it comes (a staged piece's buffer is reused for the next). */
const frame = (payloads: Buffer[]) =>
  Buffer.concat(Array.from(frameRecords(payloads), (piece) => Buffer.from(piece)))

describe('frameRecords / parseRecords', () => {
  it('round-trips records and tells a cut-off record from a corrupt one', () => {
    const framed = frame([Buffer.from('one'), Buffer.from('two')])
    expect(framed.length).toBe(2 * 8 + 6)
    expect(parseRecords(framed, 100)).toMatchObject({
      records: [
        { position: 100, end: 111 },
        { position: 111, end: 122 },
      ],
      validBytes: 22,
      stop: undefined,
    })
    expect(parseRecords(framed.subarray(0, 20), 0)).toMatchObject({
      validBytes: 11,
      stop: 'partial',
      nextRecordBytes: 11,
    })
    const flipped = Buffer.from(framed)
    flipped[framed.length - 1] = flipped[framed.length - 1]! ^ 1
    expect(parseRecords(flipped, 0)).toMatchObject({ validBytes: 11, stop: 'corrupt' })
    // Within a range already checked, the CRC is not computed again; outside it, it is.
    expect(parseRecords(flipped, 0, { from: 0, to: 22 })).toMatchObject({ validBytes: 22, stop: undefined })
    expect(parseRecords(flipped, 0, { from: 0, to: 21 })).toMatchObject({ validBytes: 11, stop: 'corrupt' })
    // A zero-filled tail (file extended, data never written) is not a run of empty records.
    expect(parseRecords(Buffer.alloc(16), 0)).toMatchObject({ records: [], stop: 'corrupt' })
  })
})

/** Each buffer's SHA-256: `toEqual` compares buffers byte by byte as objects, seconds per MB. */
const digests = (buffers: Buffer[]) =>
  buffers.map((buffer) => createHash('sha256').update(buffer).digest('hex'))

describe('frameRecords', () => {
  it('stages small records in one reused buffer and writes a payload of 64 KiB or more from its own', () => {
    const small = (byte: number) => Buffer.alloc(1000, byte)
    const first = [...frameRecords([small(1), small(2)])]
    expect(first).toHaveLength(1)
    const again = [...frameRecords([small(3)])]
    expect(again[0]!.buffer).toBe(first[0]!.buffer)
    // A large payload between small ones: the staged bytes before it, its header, the payload itself, the rest.
    const large = Buffer.alloc(450_000, 4)
    const pieces = Array.from(frameRecords([small(5), large, small(6)]), (piece) => ({
      piece,
      copy: Buffer.from(piece),
    }))
    expect(pieces.map(({ piece }) => piece.length)).toEqual([1008 + 8, 450_000, 1008])
    expect(pieces[1]!.piece).toBe(large)
    expect(pieces[0]!.piece.buffer).toBe(first[0]!.buffer)
    const records = parseRecords(Buffer.concat(pieces.map(({ copy }) => copy)), 0).records
    expect(digests(records.map((record) => record.payload))).toEqual(digests([small(5), large, small(6)]))
    // Past the staging buffer's 1 MiB, small records go in several pieces, none of a buffer of its own.
    const many = Array.from({ length: 2000 }, (_, i) => small(i % 256))
    const staged = Array.from(frameRecords(many), (piece) => ({ piece, copy: Buffer.from(piece) }))
    expect(staged.length).toBeGreaterThan(1)
    for (const { piece } of staged) expect(piece.length).toBeLessThanOrEqual(1024 * 1024)
    expect(new Set(staged.map(({ piece }) => piece.buffer)).size).toBe(1)
    const payloads = parseRecords(Buffer.concat(staged.map(({ copy }) => copy)), 0).records
    expect(digests(payloads.map((record) => record.payload))).toEqual(digests(many))
  })
})

describe('SegmentLog', () => {
  it('groups appends of one event-loop turn into one write and reads them back in order', async () => {
    const dir = tempDir()
    const { log } = openLog(dir)
    const ends = await Promise.all(
      Array.from({ length: 100 }, (_, i) => log.append([Buffer.from(`record ${i}`)])),
    )
    // One group commit: every append resolves with the same end position.
    expect(new Set(ends).size).toBe(1)
    expect(ends[0]).toBe(log.head)
    const { records, next } = await log.read(0, 1 << 20)
    expect(text(records)).toEqual(Array.from({ length: 100 }, (_, i) => `record ${i}`))
    expect(next).toBe(log.head)
  })

  it('works in os durability (written before the ack, synced on an interval)', async () => {
    const { log } = openLog(tempDir(), { durability: 'os' })
    await log.append([Buffer.from('a')])
    await log.append([Buffer.from('b'), Buffer.from('c')])
    expect(text((await log.read(0, 1024)).records)).toEqual(['a', 'b', 'c'])
  })

  it('rotates segments, reads across them, and deletes a segment once every cursor passed it', async () => {
    const dir = tempDir()
    const { log } = openLog(dir, { segmentBytes: 4096 })
    const writer = log.openCursor('writer')
    const other = log.openCursor('other')
    for (let i = 0; i < 20; i++) await log.append([Buffer.alloc(1000, 97 + (i % 26))])
    const segments = () => readdirSync(dir).filter((name) => name.endsWith('.seg'))
    expect(segments().length).toBeGreaterThanOrEqual(5)
    const all = await log.read(0, 1 << 20)
    expect(all.records).toHaveLength(20)
    const middle = all.records[10]!.position
    await writer.commit({ position: log.head })
    expect(segments().length).toBeGreaterThanOrEqual(5)
    await other.commit({ position: middle })
    const left = segments()
    expect(left.length).toBeLessThan(5)
    expect(log.firstPosition).toBeLessThanOrEqual(middle)
    expect(text((await other.read(middle, 1 << 20)).records)).toHaveLength(10)
    expect(log.getLag('other').bytes).toBe(log.head - middle)
    expect(log.getLag('writer').bytes).toBe(0)
  })

  it('reads each segment through one descriptor, closed when the segment is deleted and when the log closes', async () => {
    const dir = tempDir()
    const { log } = openLog(dir, { segmentBytes: 4096 })
    const cursor = log.openCursor('writer')
    for (let i = 0; i < 20; i++) await log.append([Buffer.alloc(1000, 97 + (i % 26))])
    // This process's descriptors open on the log's files (the active segment's write one included).
    const openFiles = () =>
      readdirSync('/proc/self/fd').flatMap((fd) => {
        try {
          const target = readlinkSync(`/proc/self/fd/${fd}`)
          return target.startsWith(dir) ? [target] : []
        } catch {
          return [] // the directory's own descriptor, closed while listed
        }
      })
    const segmentCount = readdirSync(dir).filter((name) => name.endsWith('.seg')).length
    expect(openFiles()).toHaveLength(1)
    for (let round = 0; round < 3; round++) expect((await log.read(0, 1 << 20)).records).toHaveLength(20)
    // One read descriptor per segment, however many reads, plus the write one.
    expect(openFiles()).toHaveLength(segmentCount + 1)
    const all = await log.read(0, 1 << 20)
    await cursor.commit({ position: all.records[15]!.position })
    const left = readdirSync(dir).filter((name) => name.endsWith('.seg'))
    expect(left.length).toBeLessThan(segmentCount)
    expect(openFiles().filter((target) => target.endsWith('(deleted)'))).toEqual([])
    expect(openFiles()).toHaveLength(left.length + 1)
    await log.close()
    expect(openFiles()).toEqual([])
    await expect(log.read(0, 1 << 20)).rejects.toMatchObject({ code: 'RASTRO_ERR_STORE_UNAVAILABLE' })
  })

  it('keeps at most 16 read descriptors open, however many segments a consumer far behind reads', async () => {
    const dir = tempDir()
    const { log } = openLog(dir, { segmentBytes: 4096 })
    log.openCursor('far-behind')
    for (let i = 0; i < 120; i++) await log.append([Buffer.alloc(1000, 97 + (i % 26))])
    const segments = readdirSync(dir).filter((name) => name.endsWith('.seg')).length
    expect(segments).toBeGreaterThanOrEqual(30)
    const openFiles = () =>
      readdirSync('/proc/self/fd').filter((fd) => {
        try {
          return readlinkSync(`/proc/self/fd/${fd}`).startsWith(dir)
        } catch {
          return false
        }
      }).length
    // Reads of every segment at once, then one after the other: all records, and 16 + the write descriptor.
    const reads = await Promise.all(Array.from({ length: 120 }, (_, i) => log.read(i * (1000 + 8), 1)))
    expect(reads.map((read) => read.records[0]!.payload[0])).toEqual(
      Array.from({ length: 120 }, (_, i) => 97 + (i % 26)),
    )
    expect(openFiles()).toBeLessThanOrEqual(17)
    let records = 0
    for (let from = 0; from < log.head;) {
      const read = await log.read(from, 4096)
      records += read.records.length
      from = read.next
    }
    expect(records).toBe(120)
    expect(openFiles()).toBe(17)
  })

  it('roll() closes the active segment, which goes once every cursor has passed it; appends go on after it', async () => {
    const dir = tempDir()
    const { log } = openLog(dir)
    const segments = () => readdirSync(dir).filter((name) => name.endsWith('.seg'))
    const cursor = log.openCursor('writer')
    await log.roll()
    expect(segments()).toHaveLength(1) // nothing in it: no new segment
    await log.append([Buffer.from('raw event of a person')])
    const [first] = segments()
    // The consumer has not read it yet: the closed segment stays.
    await log.roll()
    expect(segments()).toHaveLength(2)
    await cursor.commit({ position: log.head })
    expect(segments()).not.toContain(first)
    expect(segments()).toHaveLength(1)
    await log.append([Buffer.from('next')])
    expect(text((await log.read(cursor.position, 1 << 20)).records)).toEqual(['next'])
    // Already read when it rolls: deleted at once.
    await cursor.commit({ position: log.head })
    await log.roll()
    expect(segments()).toHaveLength(1)
    expect(readFileSync(join(dir, segments()[0]!)).length).toBe(0)
  })

  it('rolls a segment holding records once it is segmentMaxAgeMs old, also while appends continue', async () => {
    const dir = tempDir()
    const { log } = openLog(dir, { segmentMaxAgeMs: 150 })
    const cursor = log.openCursor('writer')
    const segments = () => readdirSync(dir).filter((name) => name.endsWith('.seg'))
    const written: string[] = []
    // Appends every 10 ms until the age has rolled three segments (the machine's load decides how
    // long that takes; 10 s is far past 3 × 150 ms).
    const deadline = Date.now() + 10_000
    while (segments().length < 4) {
      expect(Date.now()).toBeLessThan(deadline)
      written.push(`event ${written.length}`)
      await log.append([Buffer.from(written.at(-1)!)])
      await new Promise((resolve) => setTimeout(resolve, 10))
    }
    expect(text((await log.read(0, 1 << 20)).records)).toEqual(written)
    await cursor.commit({ position: log.head })
    await new Promise((resolve) => setTimeout(resolve, 400))
    // Every event read and the last segment rolled by age: nothing of them is left on disk.
    expect(segments()).toHaveLength(1)
    expect(readFileSync(join(dir, segments()[0]!)).length).toBe(0)
  })

  it('cuts a torn tail (a crash mid-write) off on open, logs it, and appends after the last good record', async () => {
    const dir = tempDir()
    let { log } = openLog(dir)
    await log.append([Buffer.from('kept 1'), Buffer.from('kept 2')])
    const good = log.head
    const segment = join(
      dir,
      readdirSync(dir).find((name) => name.endsWith('.seg'))!,
    )
    // Half a record: a header that promises 100 bytes, then 10 of them.
    const torn = frame([Buffer.alloc(100, 120)]).subarray(0, 18)
    await log.close()
    appendFileSync(segment, torn)
    const reopened = await reopen(log, dir)
    log = reopened.log
    expect(reopened.logger.lines).toContainEqual(
      expect.objectContaining({ level: 'warn', object: expect.objectContaining({ droppedBytes: 18 }) }),
    )
    expect(statSync(segment).size).toBe(good)
    await log.append([Buffer.from('after')])
    expect(text((await log.read(0, 1024)).records)).toEqual(['kept 1', 'kept 2', 'after'])
  })

  it('cuts a tail whose CRC does not match', async () => {
    const dir = tempDir()
    let { log } = openLog(dir)
    await log.append([Buffer.from('good')])
    await log.append([Buffer.from('will be damaged')])
    const segment = join(
      dir,
      readdirSync(dir).find((name) => name.endsWith('.seg'))!,
    )
    const bytes = readFileSync(segment)
    bytes[bytes.length - 1] = bytes[bytes.length - 1]! ^ 0xff
    await log.close()
    writeFileSync(segment, bytes)
    log = (await reopen(log, dir)).log
    expect(text((await log.read(0, 1024)).records)).toEqual(['good'])
  })

  it('keeps cursors and their intent across a reopen, and never reuses a position a cursor has seen', async () => {
    const dir = tempDir()
    let { log } = openLog(dir)
    await log.append([Buffer.from('x'.repeat(50))])
    const cursor = log.openCursor('writer')
    await cursor.commit({ position: 0, intent: { from: 0, to: log.head } })
    // A cursor past the end: the log's tail was lost (power loss in os mode) after it was read.
    await log.openCursor('ahead').commit({ position: log.head + 1000 })
    const head = log.head
    const reopened = await reopen(log, dir)
    log = reopened.log
    expect(log.openCursor('writer').intent).toEqual({ from: 0, to: head })
    expect(log.head).toBe(head + 1000)
    expect(reopened.logger.lines.some((line) => line.level === 'warn')).toBe(true)
    await log.append([Buffer.from('new')])
    const read = await log.read(head, 1024)
    expect(text(read.records)).toEqual(['new'])
    expect(read.records[0]!.position).toBe(head + 1000)
  })

  it('refuses appends past maxLogBytes with a 503 code and takes them again once the consumer catches up', async () => {
    const { log } = openLog(tempDir(), { maxLogBytes: 65_536, segmentBytes: 16_384 })
    const cursor = log.openCursor('writer')
    let refusal: unknown
    for (let i = 0; i < 100 && !refusal; i++) {
      await log.append([Buffer.alloc(4000, 1)]).catch((error: unknown) => (refusal = error))
    }
    expect(refusal).toMatchObject({
      code: 'RASTRO_ERR_INGEST_BACKLOG_FULL',
      statusCode: 503,
      retryAfterSeconds: 5,
    })
    expect(log.getRefusal()?.code).toBe('RASTRO_ERR_INGEST_BACKLOG_FULL')
    await cursor.commit({ position: log.head })
    expect(log.getRefusal()).toBeUndefined()
    const end = await log.append([Buffer.from('ok')])
    expect(end).toBe(log.head)
  })

  it('refuses appends while the disk has less free space than minFreeDiskBytes', async () => {
    const { log } = openLog(tempDir(), { minFreeDiskBytes: Number.MAX_SAFE_INTEGER })
    await new Promise((resolve) => setTimeout(resolve, 50))
    await expect(log.append([Buffer.from('x')])).rejects.toMatchObject({
      code: 'RASTRO_ERR_INGEST_DISK_FULL',
    })
  })

  it('reads a record larger than one read chunk whole', async () => {
    const { log } = openLog(tempDir(), { segmentBytes: 64 * 1024 * 1024 })
    const big = Buffer.alloc(5 * 1024 * 1024, 7)
    await log.append([Buffer.from('small'), big])
    // At least one record, and the one that crosses maxBytes comes whole.
    const { records } = await log.read(0, 16)
    expect(records.map((record) => record.payload.length)).toEqual([5, big.length])
    expect(records[1]!.payload.equals(big)).toBe(true)
    const rest = await log.read(records[0]!.end, 1)
    expect(rest.records.map((record) => record.payload.length)).toEqual([big.length])
  })

  it('reads about maxBytes: whole records up to it, and the one that crosses it', async () => {
    const { log } = openLog(tempDir(), { segmentBytes: 64 * 1024 * 1024 })
    const payloads = Array.from({ length: 40 }, (_, i) => Buffer.alloc(100_000, i))
    await log.append(payloads)
    // Records of 100,008 bytes framed: 10 fit in 1 MiB, the 11th crosses it.
    const first = await log.read(0, 1024 * 1024)
    expect(first.records).toHaveLength(11)
    expect(first.next).toBe(11 * 100_008)
    const rest = await log.read(first.next, 64 * 1024 * 1024)
    expect(rest.records.map((record) => record.payload[0])).toEqual(payloads.slice(11).map((_, i) => 11 + i))
  })

  it('wakes a waiting reader when data arrives', async () => {
    const { log } = openLog(tempDir())
    const waited = log.waitForData(0, 5000)
    await log.append([Buffer.from('wake')])
    await expect(waited).resolves.toBeUndefined()
  })

  it('answers 503 when a write fails, takes the partial write back, and goes on after it', async () => {
    let failure: string | undefined
    const io = {
      writeSync: ((fd: number, buffer: Buffer, offset: number, length: number, position: number) => {
        if (failure === 'ENOSPC') {
          // Half the frame reaches the file, then the disk is full.
          writeSync(fd, buffer, offset, length >> 1, position)
          throw Object.assign(new Error('no space left on device'), { code: 'ENOSPC' })
        }
        if (failure === 'EIO') throw Object.assign(new Error('i/o error'), { code: 'EIO' })
        return writeSync(fd, buffer, offset, length, position)
      }) as typeof writeSync,
      fdatasync: async () => {},
    }
    const dir = tempDir()
    const { log, logger } = openLog(dir, { io })
    await log.append([Buffer.from('before')])
    failure = 'ENOSPC'
    await expect(log.append([Buffer.from('x'.repeat(100))])).rejects.toMatchObject({
      code: 'RASTRO_ERR_INGEST_DISK_FULL',
      retryAfterSeconds: 5,
    })
    failure = 'EIO'
    await expect(log.append([Buffer.from('y')])).rejects.toMatchObject({
      code: 'RASTRO_ERR_STORE_UNAVAILABLE',
    })
    failure = undefined
    await log.append([Buffer.from('after')])
    expect(text((await log.read(0, 1024)).records)).toEqual(['before', 'after'])
    expect(logger.lines.filter((line) => line.level === 'error')).toHaveLength(2)
    await log.close()
    opened.splice(opened.indexOf(log), 1)
    await expect(log.append([Buffer.from('closed')])).rejects.toMatchObject({
      code: 'RASTRO_ERR_STORE_UNAVAILABLE',
    })
  })

  it('skips a corrupt record inside an older segment (a damaged disk) to the next segment, and logs it', async () => {
    const dir = tempDir()
    let { log } = openLog(dir, { segmentBytes: 64 })
    for (const word of ['first-segment-record-one', 'first-segment-record-two', 'second-segment']) {
      await log.append([Buffer.from(word)])
    }
    const [first] = readdirSync(dir)
      .filter((name) => name.endsWith('.seg'))
      .sort()
    const bytes = readFileSync(join(dir, first!))
    bytes[10] = bytes[10]! ^ 0xff
    await log.close()
    writeFileSync(join(dir, first!), bytes)
    const reopened = await reopen(log, dir, { segmentBytes: 64 })
    log = reopened.log
    expect(text((await log.read(0, 1024)).records)).toContain('second-segment')
    expect(reopened.logger.lines).toContainEqual(expect.objectContaining({ level: 'error' }))
  })

  it("checks a record's CRC when a read first gets it back from its file, and not again", async () => {
    const dir = tempDir()
    const { log, logger } = openLog(dir, { segmentBytes: 64 })
    for (const word of ['first-segment-record-one', 'first-segment-record-two', 'second-segment']) {
      await log.append([Buffer.from(word)])
    }
    const [first, second] = readdirSync(dir)
      .filter((name) => name.endsWith('.seg'))
      .sort()
    /** Flips a payload byte of the segment's first record, as a damaged disk would. */
    const damage = (name: string) => {
      const bytes = readFileSync(join(dir, name))
      bytes[8] = bytes[8]! ^ 0x20
      writeFileSync(join(dir, name), bytes)
    }
    // Damaged before any read: found, logged, and the rest of its segment skipped.
    damage(first!)
    expect(text((await log.read(0, 1024)).records)).toEqual(['second-segment'])
    expect(logger.lines).toContainEqual(expect.objectContaining({ level: 'error' }))
    // Damaged after a read checked it: the consumers' later reads of it trust that check.
    damage(second!)
    expect(text((await log.read(0, 1024)).records)).toEqual(['Second-segment'])
  })

  it('lists, drops and validates consumers, ignores stray cursor files, and reports lag of older records', async () => {
    const dir = tempDir()
    let { log } = openLog(dir, { durability: 'os', fsyncIntervalMs: 5 })
    await log.append([Buffer.from('lagging')])
    log.openCursor('a')
    log.openCursor('b', { start: 'head' })
    expect(log.consumers).toEqual(['a', 'b'])
    expect(() => log.openCursor('../escape')).toThrow(/invalid log consumer name/)
    await log.dropCursor('b')
    await log.dropCursor('b')
    expect(log.consumers).toEqual(['a'])
    await new Promise((resolve) => setTimeout(resolve, 30)) // a periodic fdatasync
    writeFileSync(join(dir, 'cursors', 'broken.json'), '{ not json')
    writeFileSync(join(dir, 'cursors', 'notes.txt'), 'ignored')
    const reopened = await reopen(log, dir)
    log = reopened.log
    expect(log.consumers).toEqual(['a'])
    expect(reopened.logger.lines).toContainEqual(expect.objectContaining({ level: 'error' }))
    const lag = log.getLag('a')
    expect(lag.bytes).toBeGreaterThan(0)
    expect(lag.seconds).toBeGreaterThanOrEqual(0)
    expect(log.getLag('unknown').bytes).toBe(0)
    await expect(log.waitForData(0, 10)).resolves.toBeUndefined()
  })
})
