/** A deal as stored (`crm_deals`) and as the API shows it. Amounts are minor units (cents). */
import { z } from 'zod'
import { toIsoTime, toNumber } from '../db/clickhouse-time.js'
import type { EntityRow } from '../db/entity-store.js'

export interface DealRow extends EntityRow {
  name: string
  pipeline_id: string
  stage_id: string
  status: string
  probability: number
  amount_minor: number | string
  currency: string
  contact_id: string
  company_id: string
  expected_close_date: string | null
  closed_at: string | null
  lost_reason: string
  properties: string
  created_at: string
  updated_at: string
}

export const dealSchema = z.object({
  id: z.string(),
  version: z.number().int(),
  name: z.string(),
  pipelineId: z.string(),
  stageId: z.string(),
  /** `open`, `won` or `lost`, from the stage. */
  status: z.enum(['open', 'won', 'lost']),
  /** The stage's win probability, 0-1. */
  probability: z.number(),
  /** Minor units of `currency` (cents). */
  amountMinor: z.number().int(),
  /** ISO 4217 code, `''` without an amount. */
  currency: z.string(),
  contactId: z.string(),
  companyId: z.string(),
  /** `YYYY-MM-DD`. */
  expectedCloseDate: z.string().nullable(),
  closedAt: z.string().nullable(),
  lostReason: z.string(),
  properties: z.record(z.string(), z.unknown()),
  createdAt: z.string(),
  updatedAt: z.string(),
})
export type Deal = z.infer<typeof dealSchema>

export function toDeal(row: DealRow): Deal {
  return {
    id: row.id,
    version: toNumber(row.version),
    name: row.name,
    pipelineId: row.pipeline_id,
    stageId: row.stage_id,
    status: row.status as Deal['status'],
    probability: toNumber(row.probability),
    amountMinor: toNumber(row.amount_minor),
    currency: row.currency,
    contactId: row.contact_id,
    companyId: row.company_id,
    expectedCloseDate: row.expected_close_date,
    closedAt: row.closed_at ? toIsoTime(row.closed_at) : null,
    lostReason: row.lost_reason,
    properties: JSON.parse(row.properties || '{}') as Record<string, unknown>,
    createdAt: toIsoTime(row.created_at),
    updatedAt: toIsoTime(row.updated_at),
  }
}
