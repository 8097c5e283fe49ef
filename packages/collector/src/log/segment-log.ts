/**
 * The write-ahead log: accepted events are appended to segment files under `<dataDir>/log/` and a
 * request is acknowledged only once its records are written (`durability: "os"`: survives
 * `kill -9`) or written and fdatasync'ed (`"fsync"`: survives a power loss). Appends that arrive
 * while a write or fsync is in flight are grouped into the next one (group commit, as
 * RudderStack's gateway batches requests into one Postgres commit: shared/specs/collector-anchors.md
 * §1), so one `write` and one `fdatasync` serve many requests.
 *
 * Positions are global byte offsets; a segment file is named after the position of its first
 * byte, so positions never repeat for the life of the log. Consumers (the ClickHouse writer;
 * destinations and the CRM scorer later) read from a persisted {@link LogCursor}; a segment is
 * deleted once every cursor has passed it. On open, a torn or corrupt tail (a crash mid-write)
 * is found by its CRC, logged and cut off.
 */
import { randomUUID } from 'node:crypto'
import {
  closeSync,
  fsyncSync,
  ftruncateSync,
  mkdirSync,
  openSync,
  read as fsRead,
  readdirSync,
  readFileSync,
  statSync,
  unlinkSync,
  writeSync,
} from 'node:fs'
import { statfs, unlink } from 'node:fs/promises'
import { join } from 'node:path'
import { createError, type RastroError } from '../errors.js'
import {
  frameRecords,
  parseRecords,
  RECORD_HEADER_BYTES,
  type LogRange,
  type LogRecord,
} from './frame-records.js'
import { FsyncThread } from './fsync-thread.js'
import { LogCursor, type CursorState } from './log-cursor.js'
import { fsyncDirectory, writeFileAtomic } from '../util/write-file-atomic.js'

/** `fsync`: fdatasync before every ack (survives power loss); `os`: write before ack, fsync on an interval (survives `kill -9`). */
export type Durability = 'fsync' | 'os'

/** The few logger methods the log uses (pino's, in the collector). */
export interface LogLogger {
  info(object: object, message: string): void
  warn(object: object, message: string): void
  error(object: object, message: string): void
}

export interface SegmentLogOptions {
  /** Directory of the segment files and cursors (created if missing). */
  dir: string
  durability: Durability
  /** A segment is closed and a new one started once it reaches this size (bytes). */
  segmentBytes: number
  /**
   * ... or once it is this old and holds records (ms), so a quiet site's raw events do not stay on
   * disk for as long as it takes to fill a segment: a closed segment is deleted once every
   * consumer has passed it. Default 15 minutes.
   */
  segmentMaxAgeMs?: number
  /** Appends are refused (503) while the segments on disk add up to this many bytes. */
  maxLogBytes: number
  /** In `os` mode, how often written data is fdatasync'ed (ms). */
  fsyncIntervalMs: number
  /** Appends are refused (503) while the file system has less free space than this (bytes). */
  minFreeDiskBytes: number
  logger: LogLogger
  /** Seconds a refused client is told to wait (`Retry-After`). */
  retryAfterSeconds?: number
  /**
   * The file writes the log makes; tests pass failing ones (ENOSPC, EIO). Default: node:fs's
   * `writeSync`, and fdatasync on the log's own thread (`FsyncThread`).
   */
  io?: { writeSync: typeof writeSync; fdatasync: (fd: number) => Promise<void> }
  /** Told the Linux thread id of the log's fdatasync thread once it runs (default io only). */
  onSyncThread?: (threadId: number) => void
}

interface Segment {
  base: number
  path: string
  size: number
  /**
   * Epoch ms the segment was started, or of the file's last change when the log was opened (for
   * the lag of old records and the segment's age).
   */
  mtimeMs: number
  /**
   * The segment's file opened for reading, at its first read, until the segment is deleted, the
   * log closed, or its descriptor is the least recently used of more than {@link MAX_READ_FDS}:
   * opening and closing the file on every read cost ~3% of the event loop under single-event
   * requests (profiled), where the consumers read often and little.
   */
  readFd?: number | undefined
  /** Reads of the segment in progress: its descriptor is closed only when there are none. */
  reads?: number
}

interface Waiter {
  resolve: (end: number) => void
  reject: (error: unknown) => void
}

const SEGMENT_SUFFIX = '.seg'
const DISK_CHECK_INTERVAL_MS = 1000
/**
 * Fewest bytes the reader asks the file system for at once (bytes): holds a record's header, so a
 * record cut off by the end of a read is read whole next.
 */
const MIN_READ_BYTES = 64 * 1024
/**
 * Most segments whose read descriptor stays open (the consumers read near the head; a consumer far
 * behind, with small segments, would otherwise hold one per segment it has read).
 */
const MAX_READ_FDS = 16

function segmentName(base: number): string {
  return `${String(base).padStart(20, '0')}${SEGMENT_SUFFIX}`
}

/** The write-ahead log. Open it with {@link SegmentLog.open}. */
export class SegmentLog {
  /** Random id of this log, made when its directory was created: part of idempotency keys. */
  readonly id: string
  readonly #options: Required<SegmentLogOptions>
  readonly #segments: Segment[]
  readonly #cursors = new Map<string, LogCursor>()
  #fd: number
  #head: number
  #durable: number
  /** The records whose CRC this process has checked (read back from their file), one range. */
  #checked: LogRange
  #diskBytes: number
  #pending: Buffer[] = []
  #pendingBytes = 0
  #waiters: Waiter[] = []
  #flushScheduled = false
  #flushing = false
  /** The running flush loop, awaited on close. */
  #flushLoopDone: Promise<void> = Promise.resolve()
  #dirty = false
  #diskLow = false
  #closed = false
  /** End positions of recent group commits and when they were acknowledged (epoch ms), for lag. */
  #commits: { end: number; at: number }[] = []
  readonly #openedAt = Date.now()
  /** Reads in progress: {@link close} waits for them before it closes the files they read. */
  readonly #reads = new Set<Promise<Buffer>>()
  /** The segments holding a read descriptor, least recently read first. */
  #readers: Segment[] = []
  #dataWaiters: (() => void)[] = []
  readonly #timers: NodeJS.Timeout[] = []
  readonly #syncThread: FsyncThread | undefined

  private constructor(
    options: Required<SegmentLogOptions>,
    id: string,
    segments: Segment[],
    fd: number,
    syncThread: FsyncThread | undefined,
  ) {
    this.#options = options
    this.#syncThread = syncThread
    this.id = id
    this.#segments = segments
    this.#fd = fd
    const last = segments[segments.length - 1]!
    this.#head = this.#durable = last.base + last.size
    // `open` checked the last segment's records, cutting off a torn tail.
    this.#checked = { from: last.base, to: this.#head }
    this.#diskBytes = segments.reduce((sum, segment) => sum + segment.size, 0)
  }

  /**
   * Opens (or creates) the log in `options.dir`: finds the segments, cuts a torn tail off the
   * last one, reads the cursors.
   *
   * @throws the file system's error when the directory cannot be used.
   */
  static open(options: SegmentLogOptions): SegmentLog {
    const syncThread = options.io ? undefined : new FsyncThread(options.onSyncThread)
    const resolved: Required<SegmentLogOptions> = {
      retryAfterSeconds: 5,
      segmentMaxAgeMs: 15 * 60_000,
      io: { writeSync, fdatasync: (fd) => syncThread!.fdatasync(fd) },
      onSyncThread: () => {},
      ...options,
    }
    const { dir, logger } = resolved
    mkdirSync(join(dir, 'cursors'), { recursive: true })
    const idPath = join(dir, 'log-id')
    let id: string
    try {
      id = readFileSync(idPath, 'utf8').trim()
    } catch {
      id = randomUUID()
      writeFileAtomic(idPath, id)
    }
    const segments: Segment[] = readdirSync(dir)
      .filter((name) => /^\d{20}\.seg$/.test(name))
      .map((name) => {
        const path = join(dir, name)
        const stat = statSync(path)
        return { base: Number(name.slice(0, 20)), path, size: stat.size, mtimeMs: stat.mtimeMs }
      })
      .sort((a, b) => a.base - b.base)
    const last = segments[segments.length - 1]
    if (last) {
      const bytes = readFileSync(last.path)
      const parsed = parseRecords(bytes, last.base)
      if (parsed.stop) {
        logger.warn(
          {
            segment: last.path,
            validBytes: parsed.validBytes,
            droppedBytes: bytes.length - parsed.validBytes,
          },
          `log: cut a ${parsed.stop} record off the end of the last segment (a crash during a write)`,
        )
        const fd = openSync(last.path, 'r+')
        ftruncateSync(fd, parsed.validBytes)
        fsyncSync(fd)
        closeSync(fd)
        last.size = parsed.validBytes
      }
    }
    const cursorStates = SegmentLog.#readCursorStates(dir, logger)
    const head = last ? last.base + last.size : 0
    const furthest = Math.max(
      head,
      ...[...cursorStates.values()].map((state) => Math.max(state.position, state.intent?.to ?? 0)),
    )
    if (!last || furthest > head) {
      if (last) {
        // A cursor past the end: the tail it read was lost (power loss in `os` mode). Positions
        // must never repeat, so the log goes on from the furthest position any cursor has seen.
        logger.warn({ head, furthest }, 'log: a cursor is past the end of the log; continuing after it')
      }
      const path = join(dir, segmentName(furthest))
      closeSync(openSync(path, 'a'))
      fsyncDirectory(dir)
      segments.push({ base: furthest, path, size: 0, mtimeMs: Date.now() })
    }
    const fd = openSync(segments[segments.length - 1]!.path, 'r+')
    const log = new SegmentLog(resolved, id, segments, fd, syncThread)
    for (const [name, state] of cursorStates) {
      log.#cursors.set(name, new LogCursor(log, name, join(dir, 'cursors', `${name}.json`), state))
    }
    log.#startTimers()
    return log
  }

  static #readCursorStates(dir: string, logger: LogLogger): Map<string, CursorState> {
    const states = new Map<string, CursorState>()
    for (const file of readdirSync(join(dir, 'cursors'))) {
      if (!file.endsWith('.json')) continue
      try {
        const state = JSON.parse(readFileSync(join(dir, 'cursors', file), 'utf8')) as CursorState
        if (typeof state.position === 'number') states.set(file.slice(0, -5), state)
      } catch (error) {
        logger.error({ err: error, file }, 'log: unreadable cursor file ignored')
      }
    }
    return states
  }

  #startTimers(): void {
    if (this.#options.durability === 'os') {
      const timer = setInterval(() => void this.#syncIfDirty(), this.#options.fsyncIntervalMs)
      timer.unref()
      this.#timers.push(timer)
    }
    const disk = setInterval(() => void this.#checkDisk(), DISK_CHECK_INTERVAL_MS)
    disk.unref()
    this.#timers.push(disk)
    void this.#checkDisk()
    const maxAgeMs = this.#options.segmentMaxAgeMs
    const age = setInterval(
      () => {
        const active = this.#segments[this.#segments.length - 1]!
        if (active.size > 0 && Date.now() - active.mtimeMs >= maxAgeMs) {
          this.roll().catch((error: unknown) =>
            this.#options.logger.error({ err: error }, 'log: could not start a new segment'),
          )
        }
      },
      Math.min(maxAgeMs, 60_000),
    )
    age.unref()
    this.#timers.push(age)
  }

  async #checkDisk(): Promise<void> {
    try {
      const stats = await statfs(this.#options.dir)
      const low = stats.bavail * stats.bsize < this.#options.minFreeDiskBytes
      if (low !== this.#diskLow) {
        this.#options.logger.warn(
          { freeBytes: stats.bavail * stats.bsize },
          low ? 'log: disk almost full, refusing events' : 'log: disk space back, accepting events',
        )
      }
      this.#diskLow = low
    } catch {
      // statfs unsupported here: rely on ENOSPC from the writes themselves.
    }
  }

  async #syncIfDirty(): Promise<void> {
    if (!this.#dirty || this.#flushing || this.#closed) return
    this.#dirty = false
    try {
      await this.#options.io.fdatasync(this.#fd)
    } catch (error) {
      this.#options.logger.error({ err: error }, 'log: periodic fdatasync failed')
    }
  }

  /** The log's directory. */
  get dir(): string {
    return this.#options.dir
  }

  /** Position after the last written byte. */
  get head(): number {
    return this.#head
  }

  /** Position up to which records may be read: written (`os`) or written and synced (`fsync`). */
  get readableEnd(): number {
    return this.#durable
  }

  /** Position of the oldest byte still on disk. */
  get firstPosition(): number {
    return this.#segments[0]!.base
  }

  /** Bytes of the segments on disk. */
  get diskBytes(): number {
    return this.#diskBytes
  }

  /** Why an append would be refused now, or undefined when it would be taken. */
  getRefusal(): RastroError | undefined {
    const retryAfterSeconds = this.#options.retryAfterSeconds
    if (this.#diskLow) {
      return createError('RASTRO_ERR_INGEST_DISK_FULL', {
        message: 'the collector is short of disk space; retry later',
        retryAfterSeconds,
      })
    }
    if (this.#diskBytes + this.#pendingBytes >= this.#options.maxLogBytes) {
      return createError('RASTRO_ERR_INGEST_BACKLOG_FULL', {
        message:
          'the collector holds as many unstored events as it may (ClickHouse is slow or down); retry later',
        retryAfterSeconds,
      })
    }
    return undefined
  }

  /**
   * Appends `payloads` (each becomes one record) and resolves, with the position after them,
   * once they are durable per the log's mode.
   *
   * @throws RastroError `RASTRO_ERR_INGEST_BACKLOG_FULL` or `RASTRO_ERR_INGEST_DISK_FULL` (503,
   *   with `retryAfterSeconds`) when the log may not grow, `RASTRO_ERR_STORE_UNAVAILABLE` (503)
   *   when the write or fsync failed (nothing was acknowledged).
   */
  append(payloads: readonly Buffer[]): Promise<number> {
    if (this.#closed)
      return Promise.reject(createError('RASTRO_ERR_STORE_UNAVAILABLE', { message: 'the log is closed' }))
    const refusal = this.getRefusal()
    if (refusal) return Promise.reject(refusal)
    for (const payload of payloads) {
      this.#pending.push(payload)
      this.#pendingBytes += payload.length + RECORD_HEADER_BYTES
    }
    const done = new Promise<number>((resolve, reject) => this.#waiters.push({ resolve, reject }))
    if (!this.#flushScheduled && !this.#flushing) {
      this.#flushScheduled = true
      // Everything appended in this turn of the event loop (all requests parsed in one poll
      // phase) goes into one write.
      setImmediate(() => {
        this.#flushScheduled = false
        this.#flushLoopDone = this.#flushLoop()
      })
    }
    return done
  }

  async #flushLoop(): Promise<void> {
    this.#flushing = true
    while (this.#pending.length > 0) {
      const payloads = this.#pending
      const waiters = this.#waiters
      this.#pending = []
      this.#waiters = []
      this.#pendingBytes = 0
      try {
        const end = this.#writeRecords(payloads)
        if (this.#options.durability === 'fsync') await this.#options.io.fdatasync(this.#fd)
        else this.#dirty = true
        this.#durable = end
        this.#commits.push({ end, at: Date.now() })
        for (const waiter of waiters) waiter.resolve(end)
        this.#wakeReaders()
      } catch (error) {
        const code = (error as NodeJS.ErrnoException).code
        this.#options.logger.error({ err: error, records: payloads.length }, 'log: append failed')
        const answer =
          code === 'ENOSPC' || code === 'EDQUOT'
            ? createError('RASTRO_ERR_INGEST_DISK_FULL', {
                message: 'the collector is out of disk space; retry later',
                retryAfterSeconds: this.#options.retryAfterSeconds,
                cause: error,
              })
            : createError('RASTRO_ERR_STORE_UNAVAILABLE', {
                message: 'the collector could not write its log; retry later',
                retryAfterSeconds: this.#options.retryAfterSeconds,
                cause: error,
              })
        for (const waiter of waiters) waiter.reject(answer)
      }
    }
    this.#flushing = false
  }

  /**
   * Writes `payloads` as records at the head (rotating first when the segment is full); returns
   * the new head.
   */
  #writeRecords(payloads: readonly Buffer[]): number {
    let bytes = 0
    for (const payload of payloads) bytes += RECORD_HEADER_BYTES + payload.length
    let segment = this.#segments[this.#segments.length - 1]!
    if (segment.size > 0 && segment.size + bytes > this.#options.segmentBytes) segment = this.#rotate()
    let written = 0
    try {
      for (const piece of frameRecords(payloads)) {
        for (let done = 0; done < piece.length;) {
          done += this.#options.io.writeSync(
            this.#fd,
            piece,
            done,
            piece.length - done,
            segment.size + written + done,
          )
        }
        written += piece.length
      }
    } catch (error) {
      // Take back a partial write, so the next frame starts where this one did.
      ftruncateSync(this.#fd, segment.size)
      throw error
    }
    segment.size += bytes
    this.#diskBytes += bytes
    this.#head += bytes
    return this.#head
  }

  #rotate(): Segment {
    fsyncSync(this.#fd)
    closeSync(this.#fd)
    const path = join(this.#options.dir, segmentName(this.#head))
    this.#fd = openSync(path, 'w+')
    fsyncDirectory(this.#options.dir)
    const segment = { base: this.#head, path, size: 0, mtimeMs: Date.now() }
    this.#segments.push(segment)
    return segment
  }

  #wakeReaders(): void {
    const waiters = this.#dataWaiters
    this.#dataWaiters = []
    for (const wake of waiters) wake()
  }

  /** Resolves once there is something to read at `position` or after, or after `timeoutMs`. */
  waitForData(position: number, timeoutMs: number): Promise<void> {
    if (this.#durable > position || this.#closed) return Promise.resolve()
    return new Promise((resolve) => {
      const timer = setTimeout(done, timeoutMs)
      function done() {
        clearTimeout(timer)
        resolve()
      }
      this.#dataWaiters.push(done)
    })
  }

  /**
   * Reads whole records from `from` on, up to about `maxBytes` (at least one record), never past
   * {@link readableEnd}. A corrupt record in the middle of the log (a damaged disk) is logged
   * and skipped up to the next segment.
   *
   * Each record's CRC is checked once in a process, by the first read that gets it back from its
   * file: the consumers (the ClickHouse writer, the CRM feed) read the same records, and checking
   * them again took ~6% of the main thread's CPU at the maximum (profiled; CRC-32 of bytes just
   * read into a new buffer runs at ~1.4 GB/s here).
   *
   * @returns the records and the position to read next.
   */
  async read(from: number, maxBytes: number): Promise<{ records: LogRecord[]; next: number }> {
    const end = this.#durable
    let position = Math.max(from, this.firstPosition)
    const records: LogRecord[] = []
    let bytes = 0
    while (position < end && bytes < maxBytes) {
      const index = this.#findSegment(position)
      const segment = this.#segments[index]!
      const segmentEnd = Math.min(segment.base + segment.size, end)
      if (position >= segmentEnd) {
        const next = this.#segments[index + 1]
        if (!next) break
        position = next.base
        continue
      }
      const want = Math.min(segmentEnd - position, Math.max(maxBytes - bytes, MIN_READ_BYTES))
      const chunk = await this.#readAt(segment, position - segment.base, want)
      const parsed = parseRecords(chunk, position, this.#checked)
      this.#noteChecked(position, position + parsed.validBytes)
      records.push(...parsed.records)
      bytes += parsed.validBytes
      position += parsed.validBytes
      if (parsed.stop === 'corrupt') {
        this.#options.logger.error(
          { segment: segment.path, position },
          'log: corrupt record inside the log; skipping to the next segment',
        )
        const next = this.#segments[index + 1]
        position = next ? next.base : end
      } else if (parsed.stop === 'partial' && parsed.records.length === 0) {
        // One record larger than the chunk: read it whole.
        const whole = await this.#readAt(segment, position - segment.base, parsed.nextRecordBytes ?? want * 2)
        const again = parseRecords(whole, position, this.#checked)
        this.#noteChecked(position, position + again.validBytes)
        if (again.records.length === 0) break
        records.push(...again.records)
        bytes += again.validBytes
        position += again.validBytes
      }
    }
    return { records, next: position }
  }

  /**
   * Adds `from`-`to` to the checked range when the two meet; otherwise keeps whichever ends
   * nearer the head, where the consumers read.
   */
  #noteChecked(from: number, to: number): void {
    const checked = this.#checked
    if (to <= from) return
    if (from <= checked.to && to >= checked.from) {
      checked.from = Math.min(checked.from, from)
      checked.to = Math.max(checked.to, to)
    } else if (to > checked.to) {
      this.#checked = { from, to }
    }
  }

  #findSegment(position: number): number {
    let low = 0
    let high = this.#segments.length - 1
    while (low < high) {
      const mid = (low + high + 1) >> 1
      if (this.#segments[mid]!.base <= position) low = mid
      else high = mid - 1
    }
    return low
  }

  /**
   * Reads `length` bytes at `offset` of a segment, on libuv's pool.
   * @throws RastroError `RASTRO_ERR_STORE_UNAVAILABLE` once the log is closed; the file system's
   *   error when the read fails.
   */
  #readAt(segment: Segment, offset: number, length: number): Promise<Buffer> {
    if (this.#closed)
      return Promise.reject(createError('RASTRO_ERR_STORE_UNAVAILABLE', { message: 'the log is closed' }))
    segment.reads = (segment.reads ?? 0) + 1
    let fd: number
    try {
      fd = this.#readFdOf(segment)
    } catch (error) {
      segment.reads--
      throw error
    }
    // Memory of its own, never Node's shared pool: a consumer may transfer it to a worker.
    const buffer = Buffer.allocUnsafeSlow(length)
    const reading = new Promise<Buffer>((resolve, reject) =>
      fsRead(fd, buffer, 0, length, offset, (error, bytesRead) =>
        error ? reject(error) : resolve(buffer.subarray(0, bytesRead)),
      ),
    )
    this.#reads.add(reading)
    const settled = () => {
      segment.reads!--
      this.#reads.delete(reading)
      if (this.#readers.length > MAX_READ_FDS) this.#closeIdleReadFds()
    }
    reading.then(settled, settled)
    return reading
  }

  /** The descriptor of a segment being read (its `reads` counted already), opened if it has none. */
  #readFdOf(segment: Segment): number {
    const readers = this.#readers
    if (segment.readFd !== undefined) {
      if (readers.at(-1) !== segment) readers.push(...readers.splice(readers.indexOf(segment), 1))
      return segment.readFd
    }
    segment.readFd = openSync(segment.path, 'r')
    readers.push(segment)
    this.#closeIdleReadFds()
    return segment.readFd
  }

  /** Closes the least recently read descriptors past {@link MAX_READ_FDS} that no read is using. */
  #closeIdleReadFds(): void {
    const readers = this.#readers
    for (let i = 0; readers.length > MAX_READ_FDS && i < readers.length;) {
      if (readers[i]!.reads) i++
      else this.#closeReadFd(readers[i]!)
    }
  }

  /** Closes a segment's read descriptor, if it has one (no read of it may be in progress). */
  #closeReadFd(segment: Segment): void {
    if (segment.readFd === undefined) return
    closeSync(segment.readFd)
    segment.readFd = undefined
    this.#readers.splice(this.#readers.indexOf(segment), 1)
  }

  /**
   * The cursor of consumer `name` (a file name: letters, digits, `-`, `_`). A new consumer starts
   * at the oldest record still on disk (`start: "oldest"`) or at the head (`"head"`), and from
   * then on holds back the deletion of segments it has not passed.
   */
  openCursor(name: string, options: { start?: 'oldest' | 'head' } = {}): LogCursor {
    if (!/^[a-z0-9_-]{1,64}$/i.test(name)) throw new Error(`invalid log consumer name: ${name}`)
    const existing = this.#cursors.get(name)
    if (existing) return existing
    const path = join(this.#options.dir, 'cursors', `${name}.json`)
    const state = { position: options.start === 'head' ? this.#head : this.firstPosition }
    writeFileAtomic(path, JSON.stringify(state))
    const cursor = new LogCursor(this, name, path, state)
    this.#cursors.set(name, cursor)
    return cursor
  }

  /** Forgets consumer `name`: its cursor no longer holds segments back. */
  async dropCursor(name: string): Promise<void> {
    if (!this.#cursors.delete(name)) return
    unlinkSync(join(this.#options.dir, 'cursors', `${name}.json`))
    await this.onCursorMoved()
  }

  /** Names of the registered consumers. */
  get consumers(): string[] {
    return [...this.#cursors.keys()]
  }

  /** How far consumer `name` is behind the head: bytes, and seconds since the oldest unread record was acknowledged. */
  getLag(name: string): { bytes: number; seconds: number } {
    const cursor = this.#cursors.get(name)
    const position = cursor ? cursor.position : this.#head
    const bytes = Math.max(0, this.#durable - position)
    if (bytes === 0) return { bytes, seconds: 0 }
    const oldest = this.#commits.find((commit) => commit.end > position)
    const since = oldest?.at ?? this.#segmentTimeOf(position)
    return { bytes, seconds: Math.max(0, (Date.now() - since) / 1000) }
  }

  #segmentTimeOf(position: number): number {
    const segment = this.#segments[this.#findSegment(position)]
    return Math.min(segment?.mtimeMs ?? this.#openedAt, this.#openedAt)
  }

  /**
   * Called by a cursor after it moved: deletes the segments every cursor has passed, off the event
   * loop (unlinking a synced 64 MB segment took 21 ms here, 48 ms at 128 MB, which held up acks).
   * Resolves once they are gone.
   *
   * @throws the file system's error when a segment cannot be deleted.
   */
  async onCursorMoved(): Promise<void> {
    let slowest = this.#head
    for (const cursor of this.#cursors.values()) slowest = Math.min(slowest, cursor.position)
    const passed: Segment[] = []
    while (this.#segments.length > 1) {
      const first = this.#segments[0]!
      if (first.base + first.size > slowest) break
      passed.push(first)
      this.#segments.shift()
      this.#diskBytes -= first.size
    }
    while (this.#commits.length > 0 && this.#commits[0]!.end <= slowest) this.#commits.shift()
    if (passed.length === 0) return
    // No cursor reads a passed segment again; a read of one still in progress ends first.
    await Promise.allSettled(this.#reads)
    for (const segment of passed) this.#closeReadFd(segment)
    await Promise.all(passed.map((segment) => unlink(segment.path)))
  }

  /**
   * Closes the active segment, when it holds records, and starts a new one, so the closed one is
   * deleted as soon as every consumer has passed it (at once when they all have). Run at every
   * GDPR erasure, so the person's raw events leave the log's disk as soon as the consumers have
   * read them, and when the active segment is `segmentMaxAgeMs` old. Waits for a write in progress.
   *
   * @throws the file system's error when the new segment cannot be created (the active one stays).
   */
  async roll(): Promise<void> {
    await this.#waitForWrites()
    if (this.#closed || this.#segments[this.#segments.length - 1]!.size === 0) return
    this.#rotate()
    await this.onCursorMoved()
  }

  /** Resolves once no write is scheduled or running (appends made meanwhile included). */
  async #waitForWrites(): Promise<void> {
    while (this.#flushScheduled || this.#flushing) {
      await (this.#flushScheduled ? new Promise((resolve) => setImmediate(resolve)) : this.#flushLoopDone)
    }
  }

  /** Writes what is pending, syncs, and closes the files. Appends after this are refused. */
  async close(): Promise<void> {
    if (this.#closed) return
    await this.#waitForWrites()
    this.#closed = true
    for (const timer of this.#timers) clearInterval(timer)
    await this.#syncThread?.close()
    fsyncSync(this.#fd)
    closeSync(this.#fd)
    await Promise.allSettled(this.#reads)
    for (const segment of [...this.#readers]) this.#closeReadFd(segment)
    this.#wakeReaders()
  }
}
