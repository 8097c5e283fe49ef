/**
 * HubSpot-style search filters (crm-anchors.md B1 "Search"): `filterGroups` are OR-ed, the filters
 * in a group AND-ed; at most 5 groups, 10 filters per group and 25 in all (HubSpot's limits since
 * 2024-08-26). Compiled to a ClickHouse condition whose values are all query parameters.
 */
import { z } from 'zod'
import { createCrmError } from '../errors.js'

const filterValue = z.union([z.string().max(1000), z.number(), z.boolean()])

export const filterSchema = z.strictObject({
  propertyName: z.string().min(1).max(100),
  operator: z.enum([
    'EQ',
    'NEQ',
    'LT',
    'LTE',
    'GT',
    'GTE',
    'BETWEEN',
    'IN',
    'NOT_IN',
    'HAS_PROPERTY',
    'NOT_HAS_PROPERTY',
    'CONTAINS_TOKEN',
    'NOT_CONTAINS_TOKEN',
  ]),
  value: filterValue.optional(),
  /** Upper bound of `BETWEEN` (inclusive). */
  highValue: filterValue.optional(),
  /** Values of `IN` / `NOT_IN`. */
  values: z.array(filterValue).max(100).optional(),
})
export type Filter = z.infer<typeof filterSchema>

export const filterGroupsSchema = z
  .array(z.strictObject({ filters: z.array(filterSchema).min(1).max(10) }))
  .max(5)
  .refine((groups) => groups.reduce((sum, group) => sum + group.filters.length, 0) <= 25, {
    message: 'at most 25 filters in all',
  })
export type FilterGroups = z.infer<typeof filterGroupsSchema>

export const sortSchema = z.strictObject({
  propertyName: z.string().min(1).max(100),
  direction: z.enum(['ASCENDING', 'DESCENDING']).default('ASCENDING'),
})

/** How a searchable property reads in SQL. */
export interface Field {
  /** SQL expression (may use parameters already in `params`). */
  sql: string
  type: 'string' | 'number' | 'datetime' | 'boolean'
  /** SQL condition true when the property is set; default `sql != ''` / `sql != 0`. */
  exists?: string
}

const SQL_TYPE: Record<Field['type'], string> = {
  string: 'String',
  number: 'Float64',
  datetime: "DateTime64(3, 'UTC')",
  boolean: 'UInt8',
}

/** Adds parameters with generated names to a params object. */
export class Params {
  readonly values: Record<string, unknown> = {}
  #next = 0

  /** `{pN:Type}` bound to `value`. */
  add(value: unknown, type: string): string {
    const name = `p${this.#next++}`
    this.values[name] = value
    return `{${name}:${type}}`
  }
}

function toValue(field: Field, value: unknown, name: string): unknown {
  switch (field.type) {
    case 'number': {
      const number = typeof value === 'number' ? value : Number(value)
      if (!Number.isFinite(number)) {
        throw createCrmError('RASTRO_ERR_CRM_INVALID_INPUT', {
          message: `${name} takes numbers`,
          field: name,
        })
      }
      return number
    }
    case 'datetime': {
      const ms = typeof value === 'number' ? value : Date.parse(String(value))
      if (!Number.isFinite(ms)) {
        throw createCrmError('RASTRO_ERR_CRM_INVALID_INPUT', {
          message: `${name} takes ISO 8601 dates`,
          field: name,
        })
      }
      return new Date(ms).toISOString().slice(0, 23).replace('T', ' ')
    }
    case 'boolean':
      return value === true || value === 'true' || value === 1 ? 1 : 0
    default:
      return String(value).toLowerCase()
  }
}

function compileFilter(filter: Filter, field: Field, params: Params): string {
  const name = filter.propertyName
  const expression = field.type === 'string' ? `lower(${field.sql})` : field.sql
  const exists = field.exists ?? (field.type === 'string' ? `${field.sql} != ''` : `${field.sql} != 0`)
  const type = SQL_TYPE[field.type]
  const one = (value: unknown) => {
    if (value === undefined) {
      throw createCrmError('RASTRO_ERR_CRM_INVALID_INPUT', {
        message: `${filter.operator} needs a value`,
        field: name,
      })
    }
    return params.add(toValue(field, value, name), type)
  }
  switch (filter.operator) {
    case 'EQ':
      return `${expression} = ${one(filter.value)}`
    case 'NEQ':
      return `${expression} != ${one(filter.value)}`
    case 'LT':
      return `${expression} < ${one(filter.value)}`
    case 'LTE':
      return `${expression} <= ${one(filter.value)}`
    case 'GT':
      return `${expression} > ${one(filter.value)}`
    case 'GTE':
      return `${expression} >= ${one(filter.value)}`
    case 'BETWEEN':
      return `${expression} BETWEEN ${one(filter.value)} AND ${one(filter.highValue)}`
    case 'IN':
    case 'NOT_IN': {
      const values = (filter.values ?? []).map((value) => toValue(field, value, name))
      if (values.length === 0) {
        throw createCrmError('RASTRO_ERR_CRM_INVALID_INPUT', {
          message: `${filter.operator} needs values`,
          field: name,
        })
      }
      return `${expression} ${filter.operator === 'IN' ? 'IN' : 'NOT IN'} ${params.add(values, `Array(${type})`)}`
    }
    case 'HAS_PROPERTY':
      return exists
    case 'NOT_HAS_PROPERTY':
      return `NOT (${exists})`
    case 'CONTAINS_TOKEN':
      return `positionCaseInsensitive(toString(${field.sql}), ${params.add(String(filter.value ?? ''), 'String')}) > 0`
    case 'NOT_CONTAINS_TOKEN':
      return `positionCaseInsensitive(toString(${field.sql}), ${params.add(String(filter.value ?? ''), 'String')}) = 0`
  }
}

/**
 * The SQL condition of `groups` (`1` when there are none).
 *
 * @param getField the field of a property name, or undefined when it cannot be searched.
 * @throws CrmError 400 naming `filterGroups` for an unknown property or a value of the wrong type.
 */
export function compileFilterGroups(
  groups: FilterGroups,
  getField: (name: string) => Field | undefined,
  params: Params,
): string {
  if (groups.length === 0) return '1'
  return groups
    .map((group) => {
      const parts = group.filters.map((filter) => {
        const field = getField(filter.propertyName)
        if (!field) {
          throw createCrmError('RASTRO_ERR_CRM_INVALID_INPUT', {
            message: `filterGroups: no searchable property "${filter.propertyName}"`,
            field: 'filterGroups',
          })
        }
        return compileFilter(filter, field, params)
      })
      return `(${parts.join(' AND ')})`
    })
    .join(' OR ')
}

/** The SQL type of a field's values (for cursor parameters). */
export function getSqlType(field: Field): string {
  return SQL_TYPE[field.type]
}
