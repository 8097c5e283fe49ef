/**
 * The feed's step that opens and wins deals from leads and orders (rules in `deals/deal-rules.ts`).
 * It runs in the tenant's single writer after the batch's contacts are written, and writes through
 * the same functions as the deal routes, so a won deal's `deal.stage_changed` shows on the
 * contact's timeline as a move made on the board does. Each write's audit rows carry
 * `request_id = feed:<message id>`: an event whose id is already there (a log replay after a crash,
 * a retried batch) opens or moves nothing again.
 */
import type { WriteContext } from '../audit/create-change.js'
import type { ContactRow } from '../contacts/contact-row.js'
import { toClickHouseTime } from '../db/clickhouse-time.js'
import type { TenantDb } from '../db/tenant-db.js'
import type { DealRow } from '../deals/deal-row.js'
import type { DealRules } from '../deals/deal-rules.js'
import { applyStage, createDealRow, getStages, writeDealUpdate, writeNewDeal } from '../deals/deal-store.js'
import type { Stage } from '../deals/pipeline-store.js'
import type { AttributedEvent } from '../scoring/create-score-service.js'

/** The browser SDK's conversion event (shared event names, see the browser SDK's README). */
const CONVERSION_EVENT = 'Conversion'

/** What one accepted event asks of the deal rules. */
export interface DealTrigger {
  kind: 'lead' | 'order'
  contactId: string
  messageId: string
  /** The event named in a new deal's name: the track event, or a conversion's source event. */
  event: string
  /** Order amount in minor units of `currency` (cents); 0 for leads. */
  amountMinor: number
  /** ISO 4217 code of an order; `''` for leads. */
  currency: string
  /** Event time, epoch ms. */
  at: number
}

export interface DealRuleOptions {
  /** The batch's contact row of an id (for its name and merged ids). */
  getContact(id: string): ContactRow | undefined
  retentionDays: number
}

/**
 * Digits of the minor unit of an ISO 4217 currency (EUR 2, JPY 0, KWD 3), from the CLDR data in
 * `Intl` (https://www.iso.org/iso-4217-currency-codes.html); 2 for a code `Intl` does not know.
 */
function getMinorDigits(currency: string): number {
  try {
    return (
      new Intl.NumberFormat('en', { style: 'currency', currency }).resolvedOptions().maximumFractionDigits ??
      2
    )
  } catch {
    return 2
  }
}

/**
 * An order's amount in minor units and its currency: `revenue`, else `value`, else `total` (major
 * units, as the Segment e-commerce spec sends them and as the CRM's value figures read them);
 * `currency`, else `defaultCurrency`.
 */
export function getOrderAmount(
  properties: Record<string, unknown>,
  defaultCurrency: string,
): { amountMinor: number; currency: string } {
  const raw = [properties.revenue, properties.value, properties.total].find(
    (value) => typeof value === 'number' && Number.isFinite(value) && value >= 0,
  ) as number | undefined
  const given = typeof properties.currency === 'string' ? properties.currency.trim().toUpperCase() : ''
  const currency = /^[A-Z]{3}$/.test(given) ? given : defaultCurrency
  const amountMinor = Math.min(
    Math.round((raw ?? 0) * 10 ** getMinorDigits(currency)),
    Number.MAX_SAFE_INTEGER,
  )
  return { amountMinor, currency }
}

/** The trigger an attributed event is under `rules`, or undefined (rules off, not a lead or an order). */
export function getDealTrigger(rules: DealRules, attributed: AttributedEvent): DealTrigger | undefined {
  const { event } = attributed
  if (!rules.enabled || event.type !== 'track') return undefined
  const base = { contactId: attributed.contactId, messageId: attributed.messageId, at: event.at }
  if (rules.orderEvents.includes(event.event)) {
    return {
      ...base,
      kind: 'order',
      event: event.event,
      ...getOrderAmount(event.properties, rules.defaultCurrency),
    }
  }
  const rule = event.properties.rule
  const isLeadConversion =
    event.event === CONVERSION_EVENT && typeof rule === 'string' && rules.leadConversionRules.includes(rule)
  if (!isLeadConversion && !rules.leadEvents.includes(event.event)) return undefined
  const source = isLeadConversion && typeof event.properties.event === 'string' ? event.properties.event : ''
  return {
    ...base,
    kind: 'lead',
    event: source || (isLeadConversion ? `${CONVERSION_EVENT} ${String(rule)}` : event.event),
    amountMinor: 0,
    currency: '',
  }
}

/** How a deal names its person: full name, else email, phone or external id. */
function getContactLabel(contact: ContactRow | undefined): string {
  const name = `${contact?.first_name ?? ''} ${contact?.last_name ?? ''}`.trim()
  return name || contact?.email || contact?.phone || contact?.external_id || 'Unknown contact'
}

/** Message ids of `triggers` whose deal writes are already in the audit log. */
async function getAppliedIds(
  db: TenantDb,
  triggers: readonly DealTrigger[],
  options: DealRuleOptions,
): Promise<Set<string>> {
  // The audit row names the contact of its time: the survivor now, or one merged into it since.
  const contactIds = triggers.flatMap((trigger) => getContactIds(trigger.contactId, options))
  // Audit rows are written after the event happened; a day of slack covers client clocks ahead.
  const since = Math.min(...triggers.map((trigger) => trigger.at)) - 86_400_000
  const rows = await db.rows<{ request_id: string }>(
    `SELECT DISTINCT request_id FROM crm_changes
     WHERE tenant_id = {tenant:String} AND contact_id IN {contactIds:Array(String)}
       AND at >= {since:DateTime64(3, 'UTC')} AND object = 'deal' AND actor = 'feed'
       AND request_id IN {ids:Array(String)}`,
    {
      contactIds: [...new Set(contactIds)],
      since: toClickHouseTime(Math.max(0, since)),
      ids: triggers.map((trigger) => `feed:${trigger.messageId}`),
    },
  )
  return new Set(rows.map((row) => row.request_id.slice('feed:'.length)))
}

/** The contact and every contact merged into it. */
function getContactIds(contactId: string, options: DealRuleOptions): string[] {
  return [contactId, ...(options.getContact(contactId)?.merged_ids ?? [])]
}

/**
 * The newest open deal in the pipeline of `contactIds` (a contact and those merged into it); with
 * `closedSince` (epoch ms), failing an open one, also one of theirs closed at or after that time.
 */
async function findDeal(
  db: TenantDb,
  pipelineId: string,
  contactIds: string[],
  closedSince?: number,
): Promise<DealRow | undefined> {
  const [row] = await db.rows<DealRow>(
    `SELECT * EXCEPT tenant_id FROM crm_deals FINAL
     WHERE tenant_id = {tenant:String} AND pipeline_id = {pipelineId:String}
       AND contact_id IN {contactIds:Array(String)}
       AND (status = 'open' OR ({closed:UInt8} AND closed_at >= {closedSince:DateTime64(3, 'UTC')}))
     ORDER BY status = 'open' DESC, id DESC LIMIT 1`,
    {
      pipelineId,
      contactIds,
      closed: closedSince === undefined ? 0 : 1,
      closedSince: toClickHouseTime(closedSince ?? 0),
    },
  )
  if (row) row.version = Number(row.version)
  return row
}

/** Opens a deal for a lead, or wins one for an order (see the module doc). */
async function applyTrigger(
  db: TenantDb,
  pipelineId: string,
  stages: { first: Stage | undefined; won: Stage | undefined },
  trigger: DealTrigger,
  options: DealRuleOptions,
): Promise<void> {
  const contact = options.getContact(trigger.contactId)
  const contactIds = getContactIds(trigger.contactId, options)
  const stage = trigger.kind === 'lead' ? stages.first : stages.won
  if (!stage) return
  if (trigger.kind === 'lead') {
    // A lead while a deal was open, counted also when that deal closed since (a replayed lead whose
    // deal an order won meanwhile): it opens nothing.
    if (await findDeal(db, pipelineId, contactIds, trigger.at)) return
  }
  const open = trigger.kind === 'order' ? await findDeal(db, pipelineId, contactIds) : undefined
  const context: WriteContext = {
    actor: 'feed',
    requestId: `feed:${trigger.messageId}`,
    retentionDays: options.retentionDays,
    now: Date.now(),
  }
  const amount =
    trigger.kind === 'order' ? { amountMinor: trigger.amountMinor, currency: trigger.currency } : {}
  if (open) {
    const fromStage = open.stage_id
    open.amount_minor = trigger.amountMinor
    open.currency = trigger.currency
    applyStage(open, stage, context.now)
    await writeDealUpdate(db, context, open, fromStage, { ...amount, event: trigger.event })
    return
  }
  const row = createDealRow(pipelineId, context.now)
  row.name = `${getContactLabel(contact)} – ${trigger.event}`.slice(0, 300)
  row.contact_id = trigger.contactId
  row.amount_minor = trigger.amountMinor
  row.currency = trigger.currency
  applyStage(row, stage, context.now)
  await writeNewDeal(db, context, row, {
    name: row.name,
    contactId: row.contact_id,
    ...amount,
    event: trigger.event,
  })
}

/**
 * Applies the triggers of one tenant's batch in order (a lead then an order of one person in the
 * same batch open and win one deal). Skips them all when the rules' pipeline no longer exists.
 */
export async function applyDealRules(
  db: TenantDb,
  rules: DealRules,
  triggers: readonly DealTrigger[],
  options: DealRuleOptions,
): Promise<void> {
  if (triggers.length === 0) return
  const all = await getStages(db, rules.pipelineId).catch((error: unknown) => {
    if ((error as { code?: string }).code === 'RASTRO_ERR_CRM_INVALID_INPUT') return undefined
    throw error
  })
  if (!all) return
  const stages = {
    first: all.find((stage) => !stage.isWon && !stage.isLost),
    won: all.find((stage) => stage.isWon),
  }
  const applied = await getAppliedIds(db, triggers, options)
  for (const trigger of triggers) {
    if (applied.has(trigger.messageId)) continue
    applied.add(trigger.messageId)
    await applyTrigger(db, rules.pipelineId, stages, trigger, options)
  }
}
