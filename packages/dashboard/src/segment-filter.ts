/**
 * The segment form's simple conditions ("score ≥ 60", "lifecycle stage is customer", "plan is
 * pro") and the CRM's `filterGroups` they stand for: one group, its filters AND-ed. Filters the
 * simple form cannot show (several groups, BETWEEN, IN…) are edited as JSON instead.
 */
import { LIFECYCLE_STAGES, type FilterGroups, type PropertyDefinition } from './crm-types.js'

/** Operators of the simple form, with their labels. */
export const OPERATORS = {
  EQ: 'is',
  NEQ: 'is not',
  GTE: '≥',
  LTE: '≤',
  CONTAINS_TOKEN: 'contains',
  HAS_PROPERTY: 'is set',
} as const
export type Operator = keyof typeof OPERATORS

/** A property the simple form can filter on. */
export interface SegmentField {
  /** The CRM's property name (`score`, `properties.plan`). */
  name: string
  label: string
  /** `number` values are sent as numbers, `enum` ones are picked from `options`. */
  type: 'number' | 'string' | 'enum' | 'date'
  options?: string[]
  operators: Operator[]
}

export interface Condition {
  property: string
  operator: Operator
  /** As typed; '' for `HAS_PROPERTY`. */
  value: string
}

const NUMBER_OPS: Operator[] = ['GTE', 'LTE', 'EQ']
const TEXT_OPS: Operator[] = ['EQ', 'NEQ', 'CONTAINS_TOKEN', 'HAS_PROPERTY']
const ENUM_OPS: Operator[] = ['EQ', 'NEQ']

/**
 * Built-in contact fields and the customer-value fields segments may use (the CRM's
 * `search-contacts.ts` and `segment-routes.ts`).
 */
export const BUILT_IN_FIELDS: SegmentField[] = [
  { name: 'score', label: 'Lead score', type: 'number', operators: NUMBER_OPS },
  {
    name: 'lifecycleStage',
    label: 'Lifecycle stage',
    type: 'enum',
    options: LIFECYCLE_STAGES,
    operators: ENUM_OPS,
  },
  { name: 'source', label: 'Source (UTM source or channel)', type: 'string', operators: TEXT_OPS },
  { name: 'email', label: 'Email', type: 'string', operators: TEXT_OPS },
  { name: 'firstName', label: 'First name', type: 'string', operators: TEXT_OPS },
  { name: 'lastName', label: 'Last name', type: 'string', operators: TEXT_OPS },
  { name: 'phone', label: 'Phone', type: 'string', operators: TEXT_OPS },
  { name: 'companyId', label: 'Company id', type: 'string', operators: TEXT_OPS },
  { name: 'createdAt', label: 'Created', type: 'date', operators: ['GTE', 'LTE'] },
  { name: 'orders', label: 'Orders', type: 'number', operators: NUMBER_OPS },
  { name: 'revenue', label: 'Revenue (major units)', type: 'number', operators: NUMBER_OPS },
  { name: 'recencyDays', label: 'Days since last order', type: 'number', operators: NUMBER_OPS },
  {
    name: 'lifecycle',
    label: 'Customer value',
    type: 'enum',
    options: ['vip', 'lapsed', 'new', 'recurring', 'one_time', 'prospect'],
    operators: ENUM_OPS,
  },
]

/** The simple form's field of each custom property (`properties.<name>`). */
export function toCustomFields(definitions: PropertyDefinition[]): SegmentField[] {
  return definitions.map((definition) => {
    const name = `properties.${definition.name}`
    const label = definition.label || definition.name
    switch (definition.type) {
      case 'number':
      case 'currency':
        return { name, label, type: 'number', operators: NUMBER_OPS }
      case 'enum':
        return { name, label, type: 'enum', options: definition.options, operators: ENUM_OPS }
      case 'boolean':
        return { name, label, type: 'enum', options: ['true', 'false'], operators: ['EQ'] }
      case 'date':
        return { name, label, type: 'date', operators: ['GTE', 'LTE'] }
      default:
        return { name, label, type: 'string', operators: TEXT_OPS }
    }
  })
}

/**
 * The `filterGroups` of `conditions` (one group; none without conditions). Values of number fields
 * are sent as numbers when they are ones (else as typed, for the CRM to refuse naming the field).
 */
export function toFilterGroups(conditions: Condition[], fields: SegmentField[]): FilterGroups {
  if (conditions.length === 0) return []
  return [
    {
      filters: conditions.map((condition) => {
        if (condition.operator === 'HAS_PROPERTY')
          return { propertyName: condition.property, operator: condition.operator }
        const field = fields.find((candidate) => candidate.name === condition.property)
        const number = Number(condition.value)
        const value =
          field?.type === 'number' && condition.value.trim() !== '' && Number.isFinite(number)
            ? number
            : condition.value
        return { propertyName: condition.property, operator: condition.operator, value }
      }),
    },
  ]
}

/**
 * The simple conditions of `groups`, or undefined when the simple form cannot show them (more than
 * one group, an operator or field it does not offer, a list of values).
 */
export function toConditions(groups: FilterGroups, fields: SegmentField[]): Condition[] | undefined {
  if (groups.length > 1) return undefined
  const conditions: Condition[] = []
  for (const filter of groups[0]?.filters ?? []) {
    const field = fields.find((candidate) => candidate.name === filter.propertyName)
    const operator = filter.operator as Operator
    if (!field || !field.operators.includes(operator) || filter.values || filter.highValue !== undefined)
      return undefined
    if (operator !== 'HAS_PROPERTY' && filter.value === undefined) return undefined
    conditions.push({ property: field.name, operator, value: String(filter.value ?? '') })
  }
  return conditions
}
