/**
 * The body of contact writes and its conversion to identities (normal form) and a patch. Custom
 * properties are checked against their definitions; a company id must exist in the tenant.
 */
import { z } from 'zod'
import type { TenantDb } from '../db/tenant-db.js'
import { createCrmError } from '../errors.js'
import type { ContactPatch } from '../identity/contact-batch.js'
import { normaliseIdentity, type IdentityKey, type IdentityKind } from '../identity/normalise-identity.js'
import { validateProperties } from '../properties/property-definitions.js'
import type { CountryCode } from 'libphonenumber-js'
import { LIFECYCLE_STAGES } from './contact-row.js'

export const contactInputSchema = z.strictObject({
  /** Primary email; lower-cased. */
  email: z.string().max(200).optional(),
  /** Primary phone; stored in E.164 (`+34600000000`). */
  phone: z.string().max(50).optional(),
  /** Your system's user id (the SDKs' `userId`). */
  externalId: z.string().max(200).optional(),
  firstName: z.string().max(200).optional(),
  lastName: z.string().max(200).optional(),
  companyId: z.string().max(64).optional(),
  lifecycleStage: z.enum(LIFECYCLE_STAGES).optional(),
  /** Custom properties, as defined under `/v1/crm/properties/contact`; `null` removes one. */
  properties: z.record(z.string(), z.unknown()).optional(),
  /** More identities to attach, e.g. an RFID card handed to the person or a device they own. */
  identities: z
    .array(
      z.strictObject({
        kind: z.enum(['email', 'phone', 'rfid_uid', 'device_id', 'anon_id']),
        value: z.string().max(200),
      }),
    )
    .max(20)
    .optional(),
})
export type ContactInput = z.infer<typeof contactInputSchema>

const FIELD_OF_KIND: Partial<Record<IdentityKind, keyof ContactInput>> = {
  email: 'email',
  phone: 'phone',
  external_id: 'externalId',
}

/**
 * @throws CrmError 400 naming the field (`email`, `identities.2.value`, `properties.plan`, `companyId`).
 */
export async function toContactWrite(
  db: TenantDb,
  input: ContactInput,
  defaultCountry: CountryCode | undefined,
  prefix = '',
): Promise<{ keys: IdentityKey[]; patch: ContactPatch }> {
  const keys: IdentityKey[] = []
  const normalise = (kind: IdentityKind, value: string, field: string) => {
    const normal = normaliseIdentity(kind, value, defaultCountry)
    if (!normal) {
      throw createCrmError('RASTRO_ERR_CRM_INVALID_INPUT', {
        message: `${prefix}${field}: not a valid ${kind.replace('_', ' ')}`,
        field: `${prefix}${field}`,
      })
    }
    keys.push({ kind, value: normal })
    return normal
  }
  const patch: ContactPatch = {
    firstName: input.firstName?.trim(),
    lastName: input.lastName?.trim(),
    lifecycleStage: input.lifecycleStage,
    properties: input.properties,
  }
  for (const kind of ['email', 'phone', 'external_id'] as const) {
    const field = FIELD_OF_KIND[kind]!
    const value = input[field] as string | undefined
    if (value === undefined || value.trim() === '') continue
    const normal = normalise(kind, value, field)
    if (kind === 'email') patch.email = normal
    if (kind === 'phone') patch.phone = normal
    if (kind === 'external_id') patch.externalId = normal
  }
  input.identities?.forEach((identity, i) =>
    normalise(identity.kind, identity.value, `identities.${i}.value`),
  )
  if (input.companyId !== undefined && input.companyId !== '') {
    const [company] = await db.rows<{ id: string }>(
      `SELECT id FROM crm_companies FINAL WHERE tenant_id = {tenant:String} AND id = {id:String}`,
      { id: input.companyId },
    )
    if (!company) {
      throw createCrmError('RASTRO_ERR_CRM_INVALID_INPUT', {
        message: `${prefix}companyId: no company ${input.companyId}`,
        field: `${prefix}companyId`,
      })
    }
  }
  if (input.companyId === '') patch.companyId = ''
  else if (input.companyId) patch.companyId = input.companyId
  await validateProperties(db, 'contact', input.properties, `${prefix}properties`)
  return { keys, patch }
}
