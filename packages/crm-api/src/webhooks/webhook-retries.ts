/**
 * The durable part of CRM webhook retries: `crm_webhook_retries` (migration 65) holds a delivery
 * that failed its quick retries, with its next attempt's time, so it outlives a restart and a
 * receiver down for hours. `create-webhook-sender.ts` schedules rows and sends the due ones.
 */
import type { ClickHouseClient } from '@clickhouse/client'
import { toClickHouseTime, toEpochMs } from '../db/clickhouse-time.js'
import type { TenantDb } from '../db/tenant-db.js'

/** A delivery waiting for its next attempt. */
export interface PendingDelivery {
  tenantId: string
  deliveryId: string
  webhookId: string
  event: string
  /** The delivery's JSON body, signed anew at each attempt. */
  body: string
  /** The number of the next attempt (1 is the first). */
  attempt: number
  /** When it is due (epoch ms). */
  nextAt: number
}

/** Schedules `delivery` (a new version of its row, so the latest schedule wins). */
export async function scheduleDelivery(
  db: TenantDb,
  delivery: Omit<PendingDelivery, 'tenantId'>,
): Promise<void> {
  await db.insert('crm_webhook_retries', [
    {
      delivery_id: delivery.deliveryId,
      version: Date.now() * 1000 + delivery.attempt,
      is_deleted: 0,
      webhook_id: delivery.webhookId,
      event: delivery.event,
      body: delivery.body,
      attempt: delivery.attempt,
      next_at: toClickHouseTime(delivery.nextAt),
    },
  ])
}

/** Ends `delivery`'s schedule: delivered, abandoned, or its subscription gone. */
export async function endDelivery(db: TenantDb, delivery: PendingDelivery): Promise<void> {
  await db.insert('crm_webhook_retries', [
    {
      delivery_id: delivery.deliveryId,
      version: Date.now() * 1000 + 255,
      is_deleted: 1,
      webhook_id: delivery.webhookId,
      event: delivery.event,
      body: '',
      attempt: delivery.attempt,
      next_at: toClickHouseTime(delivery.nextAt),
    },
  ])
}

/**
 * Deliveries due by `now` across tenants, oldest first, at most `limit` (the poller's system
 * read: no request's tenant to bind).
 */
export async function readDueDeliveries(
  client: ClickHouseClient,
  now: number,
  limit: number,
): Promise<PendingDelivery[]> {
  const result = await client.query({
    query: `SELECT tenant_id, delivery_id, webhook_id, event, body, attempt, next_at
      FROM crm_webhook_retries FINAL
      WHERE next_at <= {now:DateTime64(3, 'UTC')} ORDER BY next_at LIMIT {limit:UInt32}`,
    query_params: { now: toClickHouseTime(now), limit },
    format: 'JSONEachRow',
  })
  const rows = await result.json<{
    tenant_id: string
    delivery_id: string
    webhook_id: string
    event: string
    body: string
    attempt: number
    next_at: string
  }>()
  return rows.map((row) => ({
    tenantId: row.tenant_id,
    deliveryId: row.delivery_id,
    webhookId: row.webhook_id,
    event: row.event,
    body: row.body,
    attempt: Number(row.attempt),
    nextAt: toEpochMs(row.next_at),
  }))
}
