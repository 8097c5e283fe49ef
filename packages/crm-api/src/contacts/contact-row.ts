/**
 * A contact as stored (`crm_contacts`) and as the API shows it. Field names are camelCase in the
 * API and snake_case in ClickHouse.
 */
import { z } from 'zod'
import { toIsoTime, toNumber } from '../db/clickhouse-time.js'

/** Where a contact stands in the sales funnel (HubSpot's lifecycle stages, shortened). Only moves forward unless set explicitly. */
export const LIFECYCLE_STAGES = [
  'subscriber',
  'lead',
  'qualified',
  'opportunity',
  'customer',
  'other',
] as const
export type LifecycleStage = (typeof LIFECYCLE_STAGES)[number]

export interface ContactRow {
  id: string
  version: number
  is_deleted: number
  merged_into: string
  merged_ids: string[]
  email: string
  phone: string
  external_id: string
  first_name: string
  last_name: string
  company_id: string
  lifecycle_stage: string
  source: string
  /** JSON text of the custom properties. */
  properties: string
  created_at: string
  updated_at: string
}

/** Columns to select for a {@link ContactRow}. */
export const CONTACT_COLUMNS =
  'id, version, is_deleted, merged_into, merged_ids, email, phone, external_id, first_name, last_name, company_id, lifecycle_stage, source, properties, created_at, updated_at'

export const contactSchema = z.object({
  id: z.string(),
  /** Increases on every change; send it back in `If-Match` to update safely. */
  version: z.number().int(),
  email: z.string(),
  phone: z.string(),
  externalId: z.string(),
  firstName: z.string(),
  lastName: z.string(),
  companyId: z.string(),
  lifecycleStage: z.string(),
  /** First channel that brought the contact: a UTM source, `web`, `server`, `device`, `api` or `import`. */
  source: z.string(),
  properties: z.record(z.string(), z.unknown()),
  /** Ids of the contacts merged into this one. */
  mergedIds: z.array(z.string()),
  createdAt: z.string(),
  updatedAt: z.string(),
})
export type Contact = z.infer<typeof contactSchema>

export function toContact(row: ContactRow): Contact {
  return {
    id: row.id,
    version: toNumber(row.version),
    email: row.email,
    phone: row.phone,
    externalId: row.external_id,
    firstName: row.first_name,
    lastName: row.last_name,
    companyId: row.company_id,
    lifecycleStage: row.lifecycle_stage,
    source: row.source,
    properties: JSON.parse(row.properties || '{}') as Record<string, unknown>,
    mergedIds: row.merged_ids,
    createdAt: toIsoTime(row.created_at),
    updatedAt: toIsoTime(row.updated_at),
  }
}
