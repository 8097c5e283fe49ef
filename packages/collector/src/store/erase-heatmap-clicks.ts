/**
 * GDPR erasure of a person's heatmap points: the `heatmap_clicks` rows made from their `$heatmap`
 * events, found in `events` by anonymous id, user id or message id. The CRM's delete calls this
 * before it deletes the events themselves (its `onErase` hook), while they can still be found.
 */
import type { ClickHouseClient } from '@clickhouse/client'
import { HEATMAP_EVENT } from '@rastro/schema'

/** Who is erased: any of their ids. */
export interface ErasedPerson {
  anonymousIds: string[]
  userIds: string[]
  messageIds: string[]
}

/** Message ids per mutation: the query parameter stays far below a server's 1 MiB URL limit. */
const CHUNK_IDS = 1000

/**
 * Deletes the person's points with synchronous mutations (`mutations_sync = 2`: gone from every
 * active part on return); on a cluster, on every node's local table.
 *
 * @returns the number of points deleted.
 * @throws the ClickHouse error of a failed query or mutation.
 */
export async function eraseHeatmapClicks(
  client: ClickHouseClient,
  tenantId: string,
  person: ErasedPerson,
  cluster: string | undefined,
): Promise<number> {
  const result = await client.query({
    query: `SELECT DISTINCT message_id FROM events
      WHERE tenant_id = {tenant:String} AND type = 'track' AND event = {heatmap:String}
        AND (anonymous_id IN {anonymousIds:Array(String)} OR user_id IN {userIds:Array(String)}
          OR message_id IN {messageIds:Array(String)})`,
    query_params: { tenant: tenantId, heatmap: HEATMAP_EVENT, ...person },
    format: 'JSONEachRow',
  })
  const ids = (await result.json<{ message_id: string }>()).map((row) => row.message_id)
  const table = cluster ? `heatmap_clicks_local ON CLUSTER \`${cluster}\`` : 'heatmap_clicks'
  let erased = 0
  for (let start = 0; start < ids.length; start += CHUNK_IDS) {
    const params = { tenant: tenantId, ids: ids.slice(start, start + CHUNK_IDS) }
    const condition = 'tenant_id = {tenant:String} AND message_id IN {ids:Array(String)}'
    const counted = await client.query({
      query: `SELECT count() AS n FROM heatmap_clicks WHERE ${condition}`,
      query_params: params,
      format: 'JSONEachRow',
    })
    const n = Number((await counted.json<{ n: string }>())[0]?.n ?? 0)
    if (n === 0) continue
    await client.command({
      query: `ALTER TABLE ${table} DELETE WHERE ${condition} SETTINGS mutations_sync = 2`,
      query_params: params,
    })
    erased += n
  }
  return erased
}
