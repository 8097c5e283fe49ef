/**
 * The fleet's side of a GDPR erase on a ClickHouse server: waits until every other collector has
 * stored the events it acknowledged before the erase (their rows of `collector_watermarks`, written
 * by `stored-watermark.ts`), so none of them is inserted after the person's rows are deleted.
 */
import type { ClickHouseClient } from '@clickhouse/client'

/** A collector of the fleet as its newest row of `collector_watermarks` says (times in epoch ms). */
export interface FleetCollector {
  id: string
  seenAt: number
  storedThrough: number
  /** Stopped with its whole log inserted. */
  stopped: boolean
}

export interface WaitForFleetOptions {
  /** This collector's id (its log's), left out: its own log is waited for apart. */
  self: string
  /** Epoch ms: events acknowledged before it must be stored. */
  since: number
  /** Longest wait (ms). */
  timeoutMs: number
  /**
   * A collector unseen for this long (ms) is not waited for but reported: it is down or cut off
   * from ClickHouse, and what its log holds is inserted when it is back.
   */
  goneAfterMs: number
  /** Time between two reads (ms; default 250). */
  pollMs?: number
  /** Clock (epoch ms; default `Date.now`). */
  now?: () => number
}

/** Thrown when collectors seen recently have not stored the events acknowledged before the erase in time. */
export class FleetNotStoredError extends Error {
  readonly behind: FleetCollector[]

  constructor(behind: FleetCollector[], timeoutMs: number) {
    super(
      `collector${behind.length > 1 ? 's' : ''} ${behind.map((collector) => collector.id).join(', ')} ha${behind.length > 1 ? 've' : 's'} not stored the events acknowledged before the erase after ${timeoutMs / 1000} s`,
    )
    this.name = 'FleetNotStoredError'
    this.behind = behind
  }
}

/** Every other collector's newest row. */
export async function readFleet(client: ClickHouseClient, self: string): Promise<FleetCollector[]> {
  const result = await client.query({
    query: `SELECT collector_id,
        toUnixTimestamp64Milli(max(seen_at)) AS seen_ms,
        toUnixTimestamp64Milli(argMax(stored_through, seen_at)) AS stored_through_ms,
        argMax(stopped, seen_at) AS is_stopped
      FROM collector_watermarks WHERE collector_id != {self:String}
      GROUP BY collector_id ORDER BY collector_id`,
    query_params: { self },
    format: 'JSONEachRow',
  })
  const rows = await result.json<{
    collector_id: string
    seen_ms: string
    stored_through_ms: string
    is_stopped: number
  }>()
  return rows.map((row) => ({
    id: row.collector_id,
    seenAt: Number(row.seen_ms),
    storedThrough: Number(row.stored_through_ms),
    stopped: Number(row.is_stopped) === 1,
  }))
}

/**
 * Waits until each other collector of the fleet has stored what it acknowledged before
 * `options.since`, has stopped with its log inserted, or is gone (unseen for `goneAfterMs`).
 *
 * @returns the gone collectors that may still hold such events (their logs are inserted when they
 *   come back: repeat the erase then).
 * @throws FleetNotStoredError naming the collectors seen recently that are still behind after
 *   `timeoutMs`; the ClickHouse error when the table cannot be read.
 */
export async function waitForFleet(
  client: ClickHouseClient,
  options: WaitForFleetOptions,
): Promise<FleetCollector[]> {
  const now = options.now ?? Date.now
  const deadline = now() + options.timeoutMs
  for (;;) {
    const fleet = await readFleet(client, options.self)
    const pending = fleet.filter((collector) => !collector.stopped && collector.storedThrough < options.since)
    const gone = pending.filter((collector) => collector.seenAt < now() - options.goneAfterMs)
    const behind = pending.filter((collector) => !gone.includes(collector))
    if (behind.length === 0) return gone
    if (now() >= deadline) throw new FleetNotStoredError(behind, options.timeoutMs)
    await new Promise((resolve) => setTimeout(resolve, options.pollMs ?? 250))
  }
}
