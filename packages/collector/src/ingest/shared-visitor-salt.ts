/**
 * The daily salt of cookieless visitor ids when collectors share a ClickHouse server: kept in
 * `visitor_salts`, so every collector of a fleet gives a visitor the same id whichever of them
 * takes the request (each collector's own salt split a visitor in two behind a load balancer).
 *
 * Agreement without a lock: for a day, a collector that finds no salt offers a random one, and the
 * day's salt is the smallest offered (`min(salt)`), which every collector reads alike. Salts are
 * offered an hour before their day begins (`offerAheadMs`) and read again every `refreshMs`, so
 * collectors agree long before the first event of the day. Only a collector that cannot reach
 * ClickHouse when a day begins uses a salt of its own until it can (its visitors' ids change
 * then, once). The salts of past days are deleted at each refresh (a mutation, then the parts
 * are gone within ClickHouse's `old_parts_lifetime`; the table's TTL is the backstop), so the ids
 * of past days can no longer be recomputed (Plausible's method:
 * https://plausible.io/data-policy#how-we-count-unique-users-without-cookies).
 */
import { randomBytes } from 'node:crypto'
import type { ClickHouseClient, ClickHouseSettings } from '@clickhouse/client'
import type { FastifyBaseLogger } from 'fastify'
import type { DailySalt } from './visitor-ids.js'

const DAY_MS = 86_400_000
/** Salt length (bytes), as the data dir's salt. */
const SALT_BYTES = 32

export interface SharedVisitorSaltOptions {
  client: ClickHouseClient
  /** Settings of the inserts (on a cluster: `insert_distributed_sync`, so the others read the offer). */
  insertSettings?: ClickHouseSettings | undefined
  /** Cluster name: past salts are deleted from `visitor_salts_local ON CLUSTER`. */
  cluster?: string | undefined
  logger: Pick<FastifyBaseLogger, 'warn'>
  /** How often the salts are read again and past ones deleted (ms; default 60 s). */
  refreshMs?: number
  /** How long before its day a salt is offered (ms; default 1 h). */
  offerAheadMs?: number
  /** Clock (epoch ms; default `Date.now`). */
  now?: () => number
}

export class SharedVisitorSalt implements DailySalt {
  readonly #options: Required<Omit<SharedVisitorSaltOptions, 'insertSettings' | 'cluster'>> &
    Pick<SharedVisitorSaltOptions, 'insertSettings' | 'cluster'>
  /** The salts of today and, in the last `offerAheadMs` of a day, of tomorrow, by UTC day number. */
  readonly #salts = new Map<number, Buffer>()
  #today = -1
  #timer: NodeJS.Timeout | undefined

  constructor(options: SharedVisitorSaltOptions) {
    this.#options = { refreshMs: 60_000, offerAheadMs: 3_600_000, now: Date.now, ...options }
  }

  /**
   * Reads (or offers) today's salt, then refreshes every `refreshMs`. A failure is logged: until a
   * refresh succeeds, {@link get} answers with a salt of this collector's own.
   */
  async start(): Promise<void> {
    await this.refresh().catch((error: unknown) => this.#warn(error))
    this.#timer = setInterval(
      () => void this.refresh().catch((error: unknown) => this.#warn(error)),
      this.#options.refreshMs,
    )
    this.#timer.unref()
  }

  stop(): void {
    clearInterval(this.#timer)
  }

  /**
   * Agrees on today's salt and, within `offerAheadMs` of midnight UTC, tomorrow's; forgets and
   * deletes the salts of past days.
   * @throws the ClickHouse error when it cannot be read or written.
   */
  async refresh(): Promise<void> {
    const now = this.#options.now()
    const today = Math.floor(now / DAY_MS)
    this.#today = Math.max(this.#today, today)
    const days = now + this.#options.offerAheadMs >= (today + 1) * DAY_MS ? [today, today + 1] : [today]
    for (const day of days) this.#salts.set(day, await this.#agree(day))
    for (const day of this.#salts.keys()) if (day < today) this.#salts.delete(day)
    await this.#deleteBefore(today)
  }

  /**
   * The salt of the UTC day of `ms`: the agreed one, else (ClickHouse out) one of this
   * collector's own for that day, offered at the next refresh. An earlier day than today (a clock
   * stepped back) gets today's salt: past salts are gone. Never throws.
   */
  get(ms: number): Buffer {
    const day = Math.max(Math.floor(ms / DAY_MS), this.#today)
    let salt = this.#salts.get(day)
    if (!salt) {
      salt = randomBytes(SALT_BYTES)
      this.#salts.set(day, salt)
    }
    this.#today = day
    return salt
  }

  /** The smallest salt offered for `day`, after offering one (the one in use, or a new one) when none is. */
  async #agree(day: number): Promise<Buffer> {
    const agreed = await this.#read(day)
    if (agreed) return agreed
    const offer = this.#salts.get(day) ?? randomBytes(SALT_BYTES)
    await this.#options.client.insert({
      table: 'visitor_salts',
      values: [{ day, salt: offer.toString('hex') }],
      format: 'JSONEachRow',
      clickhouse_settings: this.#options.insertSettings,
    })
    return (await this.#read(day)) ?? offer
  }

  async #read(day: number): Promise<Buffer | undefined> {
    const result = await this.#options.client.query({
      query: 'SELECT min(salt) AS salt, count() AS offers FROM visitor_salts WHERE day = {day:UInt32}',
      query_params: { day },
      format: 'JSONEachRow',
    })
    const [row] = await result.json<{ salt: string; offers: string }>()
    return row && Number(row.offers) > 0 ? Buffer.from(row.salt, 'hex') : undefined
  }

  async #deleteBefore(day: number): Promise<void> {
    const { client, cluster } = this.#options
    const result = await client.query({
      query: 'SELECT count() AS n FROM visitor_salts WHERE day < {day:UInt32}',
      query_params: { day },
      format: 'JSONEachRow',
    })
    if (Number((await result.json<{ n: string }>())[0]?.n ?? 0) === 0) return
    const table = cluster ? `visitor_salts_local ON CLUSTER \`${cluster}\`` : 'visitor_salts'
    await client.command({
      query: `ALTER TABLE ${table} DELETE WHERE day < {day:UInt32} SETTINGS mutations_sync = 2`,
      query_params: { day },
    })
  }

  #warn(error: unknown): void {
    this.#options.logger.warn(
      { err: error },
      'visitor salt: cannot read or offer the shared salt; using this collector’s own meanwhile',
    )
  }
}
