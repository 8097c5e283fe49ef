/**
 * What one event says about who sent it: the identities it carries (normalised) and the contact
 * fields it fills. Sources, per the Segment Spec: `userId` and `anonymousId`; `traits` of an
 * `identify` call, `context.traits` of other calls; `context.device.id`; for lead forms and
 * orders, `email`/`phone`/`name` in `properties` (the landing page's `Lead Created`); for devices,
 * an RFID uid in `properties.rfid_uid` (or `rfidUid`, `rfid`).
 *
 * An event with an RFID uid comes from a shared reader (a kiosk, a bar): its anonymous and device
 * ids are the machine's, not the person's, so they are not joined to the person; the event is
 * linked to the person through `crm_event_links` instead.
 */
import type { CountryCode } from 'libphonenumber-js'
import type { ContactPatch } from '../identity/contact-batch.js'
import { normaliseIdentity, type IdentityKey, type IdentityKind } from '../identity/normalise-identity.js'
import { readJsonColumn, type CrmEventRow } from './crm-event-row.js'

type Json = Record<string, unknown>

/** What an absent or non-object JSON value reads as: one shared object, not one per event. */
export const NO_FIELDS: Json = Object.freeze({})

/** Event names that make a contact a lead or a customer (Segment's e-commerce and B2B SaaS specs). */
const LEAD_EVENTS = new Set(['Lead Created', 'Signed Up', 'Form Submitted', 'Trial Started'])
const CUSTOMER_EVENTS = new Set(['Order Completed', 'Subscription Started'])

export interface EventIdentity {
  keys: IdentityKey[]
  patch: ContactPatch
  /** `set` for identify traits (the app's own record), `setOnce` for what other events carry. */
  mode: 'set' | 'setOnce'
  /** Identity through which the event is linked to its person, when its own ids are a shared machine's. */
  link: IdentityKey | undefined
}

function getObject(value: unknown): Json {
  return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Json) : NO_FIELDS
}

function getString(value: unknown): string | undefined {
  return typeof value === 'string' && value.trim() !== '' ? value.trim().slice(0, 200) : undefined
}

function splitName(name: string | undefined): { firstName?: string; lastName?: string } {
  if (!name) return NO_FIELDS
  const [first, ...rest] = name.split(/\s+/)
  return { firstName: first, ...(rest.length > 0 ? { lastName: rest.join(' ') } : {}) }
}

/**
 * `context` as an object, parsed only when it can hold what identity reads (`traits`, `device`):
 * browser events carry neither, and their `context` (page, user agent, campaign, screen) is the
 * largest JSON of an event.
 */
function readIdentityContext(context: CrmEventRow['context']): Json {
  if (typeof context === 'string' && !context.includes('"traits"') && !context.includes('"device"'))
    return NO_FIELDS
  return readJsonColumn(context)
}

/**
 * `properties` as an object, parsed only when it can hold what identity reads (`email`, `phone`,
 * an RFID uid, `device_id`): a page view's or a product's properties hold none, and the feed then
 * parses them only for the events it attributes to a contact. `undefined` when not parsed.
 */
export function readIdentityProperties(properties: CrmEventRow['properties']): Json | undefined {
  if (
    typeof properties === 'string' &&
    !properties.includes('"email"') &&
    !properties.includes('"phone"') &&
    !properties.includes('"rfid') &&
    !properties.includes('"device_id"')
  )
    return undefined
  return readJsonColumn(properties)
}

/**
 * What `row` says about who sent it. `properties` is what {@link readIdentityProperties} made of
 * `row.properties`, when the caller has it (the feed reads each row's properties once).
 */
export function getEventIdentity(
  row: CrmEventRow,
  defaultCountry?: CountryCode,
  properties: Json = readIdentityProperties(row.properties) ?? NO_FIELDS,
): EventIdentity {
  const context = readIdentityContext(row.context)
  const traits = row.type === 'identify' ? readJsonColumn(row.traits) : getObject(context.traits)
  // A form or order carrying contact details describes the person; other properties (a product's name) do not.
  const personal = properties.email !== undefined || properties.phone !== undefined ? properties : NO_FIELDS
  const keys: IdentityKey[] = []
  const add = (kind: IdentityKind, value: unknown) => {
    const normal = normaliseIdentity(kind, value, defaultCountry)
    if (normal) keys.push({ kind, value: normal })
  }
  add('external_id', row.user_id)
  add('email', traits.email ?? personal.email)
  add('phone', traits.phone ?? personal.phone)
  const rfid = properties.rfid_uid ?? properties.rfidUid ?? properties.rfid
  add('rfid_uid', rfid)
  const link = keys.find((key) => key.kind === 'rfid_uid')
  if (!link) {
    add('anon_id', row.anonymous_id)
    add('device_id', getObject(context.device).id ?? properties.device_id)
  }
  const name = splitName(getString(traits.name) ?? getString(personal.name))
  const patch: ContactPatch = {
    firstName: getString(traits.firstName) ?? getString(traits.first_name) ?? name.firstName,
    lastName: getString(traits.lastName) ?? getString(traits.last_name) ?? name.lastName,
    lifecycleStage: CUSTOMER_EVENTS.has(row.event)
      ? 'customer'
      : LEAD_EVENTS.has(row.event)
        ? 'lead'
        : undefined,
  }
  return { keys, patch, mode: row.type === 'identify' ? 'set' : 'setOnce', link }
}
