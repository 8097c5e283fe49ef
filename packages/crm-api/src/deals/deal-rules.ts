/**
 * Deal rules: which accepted events open and win deals (HubSpot's deal-stage automation and
 * Pipedrive's "create a deal when a lead converts", done by the event feed). A tenant setting
 * (`deal_rules` in `crm_settings`), on by default:
 * - a lead (a track event named in `leadEvents`, or the browser SDK's `Conversion` event whose
 *   `properties.rule` is in `leadConversionRules`) opens a deal for its contact in the pipeline's
 *   first open stage, unless the contact had a deal of that pipeline open when the lead happened
 *   (one open now, or one closed since the lead's time), so a form and its conversion open one deal;
 * - an order (a track event named in `orderEvents`, Segment's `Order Completed`) moves the contact's
 *   open deal of that pipeline to its won stage with the order's amount, or, with none open, creates
 *   a won deal (so every repeat order wins a deal of its own).
 */
import { z } from 'zod'
import type { TenantDb } from '../db/tenant-db.js'
import { getTenantSetting } from '../db/tenant-settings.js'

const names = z.array(z.string().min(1).max(200)).max(20)

export const dealRulesSchema = z.strictObject({
  /** Off: the feed opens and moves no deal. */
  enabled: z.boolean().default(true),
  /** Pipeline the rules' deals live in. */
  pipelineId: z.string().min(1).max(64).default('default'),
  /** Track events that are leads (Segment's B2B SaaS spec: `Signed Up`, `Trial Started`). */
  leadEvents: names.default(['Lead Created', 'Signed Up', 'Trial Started']),
  /** Rule names of the browser SDK's `Conversion` events that are leads (its `conversions[].name`). */
  leadConversionRules: names.default(['lead']),
  /** Track events that are orders (Segment's e-commerce spec). */
  orderEvents: names.default(['Order Completed']),
  /** ISO 4217 code for orders that carry no `currency`. */
  defaultCurrency: z
    .string()
    .regex(/^[A-Z]{3}$/, 'must be an ISO 4217 code such as EUR')
    .default('USD'),
})
export type DealRules = z.output<typeof dealRulesSchema>

export const DEAL_RULES_SETTING = 'deal_rules'

/** The rules of a tenant that set none: on, in the `default` pipeline. */
export const DEFAULT_DEAL_RULES: DealRules = dealRulesSchema.parse({})

/** The tenant's deal rules, the defaults until set. */
export async function getDealRules(db: TenantDb): Promise<DealRules> {
  const stored = await getTenantSetting(db, DEAL_RULES_SETTING)
  return stored === undefined ? DEFAULT_DEAL_RULES : dealRulesSchema.parse(stored)
}
