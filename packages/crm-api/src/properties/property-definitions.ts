/**
 * Typed custom properties (crm-anchors.md B4.1): a tenant defines each property of contacts,
 * companies or deals with a type, and writes are checked against it. Money is minor units with an
 * ISO 4217 code; dates are ISO 8601.
 */
import { z } from 'zod'
import { toNumber } from '../db/clickhouse-time.js'
import type { TenantDb } from '../db/tenant-db.js'
import { createCrmError } from '../errors.js'

export const PROPERTY_OBJECTS = ['contact', 'company', 'deal'] as const
export type PropertyObject = (typeof PROPERTY_OBJECTS)[number]
export const PROPERTY_TYPES = ['string', 'number', 'boolean', 'date', 'enum', 'currency'] as const
export type PropertyType = (typeof PROPERTY_TYPES)[number]

export const propertyDefinitionSchema = z.object({
  /** Key in `properties` (`plan`, `seats`); letters, digits and `_`. */
  name: z
    .string()
    .regex(/^[a-z][a-z0-9_]{0,63}$/i, 'must be 1-64 letters, digits or "_", starting with a letter'),
  label: z.string().max(200).default(''),
  type: z.enum(PROPERTY_TYPES),
  /** Allowed values of an `enum`. */
  options: z.array(z.string().min(1).max(200)).max(500).default([]),
})
export type PropertyDefinition = z.output<typeof propertyDefinitionSchema>

/** The definitions of an object's custom properties, by name. */
export async function getPropertyDefinitions(
  db: TenantDb,
  object: PropertyObject,
): Promise<Map<string, PropertyDefinition & { version: number }>> {
  const rows = await db.rows<PropertyDefinition & { version: number | string }>(
    `SELECT name, label, type, options, version FROM crm_property_definitions FINAL
     WHERE tenant_id = {tenant:String} AND object = {object:String} ORDER BY name`,
    { object },
  )
  return new Map(rows.map((row) => [row.name, { ...row, version: toNumber(row.version) }]))
}

const currencySchema = z.strictObject({
  amountMinor: z.number().int().safe(),
  currency: z.string().regex(/^[A-Z]{3}$/, 'must be an ISO 4217 code such as EUR'),
})

const valueSchemas: Record<PropertyType, (definition: PropertyDefinition) => z.ZodType> = {
  string: () => z.string().max(10_000),
  number: () => z.number().finite(),
  boolean: () => z.boolean(),
  date: () => z.union([z.iso.date(), z.iso.datetime({ offset: true })]),
  enum: (definition) => z.enum(definition.options as [string, ...string[]]),
  currency: () => currencySchema,
}

/**
 * Checks custom property values against their definitions; `null` (remove) is always allowed.
 *
 * @throws CrmError 400 naming `properties.<name>` for an undefined property or a value of the wrong type.
 */
export async function validateProperties(
  db: TenantDb,
  object: PropertyObject,
  properties: Record<string, unknown> | undefined,
  fieldPrefix = 'properties',
): Promise<void> {
  if (!properties || Object.keys(properties).length === 0) return
  const definitions = await getPropertyDefinitions(db, object)
  for (const [name, value] of Object.entries(properties)) {
    const field = `${fieldPrefix}.${name}`
    const definition = definitions.get(name)
    if (!definition) {
      throw createCrmError('RASTRO_ERR_CRM_INVALID_INPUT', {
        message: `${field}: no ${object} property "${name}" is defined (POST /v1/crm/properties/${object})`,
        field,
      })
    }
    if (value === null) continue
    const result = valueSchemas[definition.type](definition).safeParse(value)
    if (!result.success) {
      throw createCrmError('RASTRO_ERR_CRM_INVALID_INPUT', {
        message: `${field}: expected a ${definition.type}: ${result.error.issues[0]?.message}`,
        field,
      })
    }
  }
}
