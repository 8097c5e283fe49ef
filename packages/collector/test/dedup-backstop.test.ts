/**
 * With the dedup index off (`dedupWindowHours: 0`), a retried messageId is stored more than once,
 * in one insert and across inserts (the writer skips ReplacingMergeTree's pass over each inserted
 * block), and queries still count it once: `ReplacingMergeTree` with `FINAL` is the backstop
 * (issue "collector hot path", Dedup), and a merge keeps one copy. Its own file: chDB opens one data directory per process.
 */
import { afterAll, beforeAll, expect, it } from 'vitest'
import {
  keys,
  postBatch,
  queryRows,
  startCollector,
  type RunningCollector,
} from './helpers/start-collector.js'

let collector: RunningCollector

beforeAll(async () => {
  collector = await startCollector({ settings: { dedupWindowHours: 0 } })
})
afterAll(async () => {
  await collector?.stop()
})

const send = (batch: unknown[]) => postBatch(collector, batch)

it('counts a retried messageId once in FINAL reads and in the stats', async () => {
  // No merge collapses the copies before the reads below.
  await collector.app.store.client.command({ query: 'SYSTEM STOP MERGES events' })
  const messageId = `backstop-${Date.now()}`
  const event = { type: 'track', event: 'Backstop', anonymousId: 'b', messageId }
  // Twice in one request (one insert), then again in another: all acknowledged, none dropped.
  expect(await (await send([event, event])).json()).toMatchObject({ accepted: 2, rejected: [] })
  expect((await send([event])).status).toBe(200)
  const count = (final: string) =>
    queryRows(collector, `SELECT count() AS n FROM events ${final} WHERE message_id = {id:String}`, {
      id: messageId,
    })
  expect(await count('')).toEqual([{ n: '3' }])
  expect(await count('FINAL')).toEqual([{ n: '1' }])
  const stats = (await (
    await fetch(`${collector.url}/v1/stats`, { headers: { authorization: `Bearer ${keys.secretKey}` } })
  ).json()) as { events: { event: string; count: number }[] }
  expect(stats.events.find((row) => row.event === 'Backstop')?.count).toBe(1)
  await collector.app.store.client.command({ query: 'SYSTEM START MERGES events' })
  // A merge keeps one copy; events' merges run column by column (migration 100).
  const [table] = await queryRows<{ engine_full: string }>(
    collector,
    `SELECT engine_full FROM system.tables WHERE database = currentDatabase() AND name = 'events'`,
  )
  expect(table?.engine_full).toContain('vertical_merge_algorithm_min_rows_to_activate = 1')
  await collector.app.store.client.command({ query: 'OPTIMIZE TABLE events FINAL' })
  expect(await count('')).toEqual([{ n: '1' }])
})
