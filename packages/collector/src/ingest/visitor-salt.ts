/**
 * The secret salt of cookieless visitor ids, rotated every UTC day and kept in
 * `<dataDir>/visitor-salt.json`. Only the current day's salt is ever on disk or in memory: at the
 * first event of a new day a fresh random salt replaces the old one, so the ids of past days can
 * no longer be recomputed from an IP and a user agent (Plausible's method:
 * https://plausible.io/data-policy#how-we-count-unique-users-without-cookies).
 */
import { randomBytes } from 'node:crypto'
import { mkdirSync, readFileSync, rmSync } from 'node:fs'
import { join } from 'node:path'
import { writeFileAtomic } from '../util/write-file-atomic.js'

const DAY_MS = 86_400_000
/** Salt length (bytes): as long as the SHA-256 block's key is useful (HMAC-SHA256, RFC 2104 §3). */
const SALT_BYTES = 32

/** What the salt file holds. */
interface SaltFile {
  /** UTC day number (`Math.floor(epoch ms / 86,400,000)`). */
  day: number
  /** The salt, hex. */
  salt: string
}

export interface VisitorSaltOptions {
  /** Writes the salt file atomically; default {@link writeFileAtomic} (a test passes a failing one). */
  writeFile?: (path: string, text: string) => void
}

export class VisitorSalt {
  readonly #path: string
  readonly #writeFile: (path: string, text: string) => void
  #day = -1
  #salt: Buffer = Buffer.alloc(0)

  /** Loads the stored salt; a missing, unreadable or past day's salt is replaced on first use. */
  constructor(dataDir: string, options: VisitorSaltOptions = {}) {
    this.#writeFile = options.writeFile ?? writeFileAtomic
    mkdirSync(dataDir, { recursive: true })
    this.#path = join(dataDir, 'visitor-salt.json')
    try {
      const stored = JSON.parse(readFileSync(this.#path, 'utf8')) as SaltFile
      if (Number.isInteger(stored.day) && /^[0-9a-f]{64}$/.test(stored.salt)) {
        this.#day = stored.day
        this.#salt = Buffer.from(stored.salt, 'hex')
      }
    } catch {
      // first start, or a damaged file: a new salt is made on first use
    }
  }

  /**
   * The salt of the UTC day of `ms` (epoch ms). When that day is later than the stored salt's,
   * a new salt is made and written over the old one (synchronously: once a day) before it is
   * used. An earlier day (a clock stepped back) gets the current salt: old salts are gone.
   * When the new salt cannot be written (disk full), the old file is deleted and the new salt
   * lives in memory only: a restart that day starts a new salt (today's visitors are split),
   * but a past salt never survives. Never throws.
   */
  get(ms: number): Buffer {
    const day = Math.floor(ms / DAY_MS)
    if (day > this.#day) {
      const salt = randomBytes(SALT_BYTES)
      const file: SaltFile = { day, salt: salt.toString('hex') }
      try {
        this.#writeFile(this.#path, `${JSON.stringify(file)}\n`)
      } catch {
        try {
          rmSync(this.#path, { force: true })
        } catch {
          // the file system refuses both: nothing more can be done from here
        }
      }
      this.#day = day
      this.#salt = salt
    }
    return this.#salt
  }
}
