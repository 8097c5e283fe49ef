/** Records of the CRM API (`/v1/crm/*`), as the views read them. */
export interface Contact {
  id: string
  version: number
  email: string
  phone: string
  externalId: string
  firstName: string
  lastName: string
  lifecycleStage: string
  source: string
  createdAt: string
  updatedAt: string
  score?: number
}

export interface Page<T> {
  results: T[]
  paging?: { next: { cursor: string } }
}

export interface Stage {
  id: string
  name: string
  probability: number
  isWon: boolean
  isLost: boolean
}

export interface Deal {
  id: string
  version: number
  name: string
  pipelineId: string
  stageId: string
  status: 'open' | 'won' | 'lost'
  amountMinor: number
  currency: string
  contactId: string
  lostReason?: string
  updatedAt: string
}

export interface Board {
  pipeline: { id: string; name: string; stages: Stage[] }
  stages: {
    stage: Stage
    count: number
    amounts: { currency: string; amountMinor: number }[]
    deals: Deal[]
  }[]
}

export interface TimelineItem {
  id: string
  kind: 'event' | 'change'
  at: string
  source: string
  type: string
  name: string
  path: string
  properties: Record<string, unknown>
  actor: string
}

export interface Score {
  fit: number
  engagement: number
  total: number
  groups: { name: string; kind: string; points: number }[]
}

export interface Note {
  id: string
  version: number
  body: string
  createdAt: string
  updatedAt: string
}

/** One condition of a search or segment (HubSpot-style; see the CRM README). */
export interface Filter {
  propertyName: string
  operator: string
  value?: string | number | boolean
  highValue?: string | number | boolean
  values?: (string | number | boolean)[]
}

/** Groups are OR-ed, the filters in a group AND-ed. */
export type FilterGroups = { filters: Filter[] }[]

export interface Segment {
  id: string
  version: number
  name: string
  filterGroups: FilterGroups
  /** Free text over email, name and phone. */
  query?: string
}

export interface Pipeline {
  id: string
  name: string
  /** In board order. */
  stages: Stage[]
}

export interface Company {
  id: string
  name: string
}

/** A custom property of contacts (`/v1/crm/properties/contact`). */
export interface PropertyDefinition {
  name: string
  label: string
  type: 'string' | 'number' | 'boolean' | 'date' | 'enum' | 'currency'
  options: string[]
}

/** Lifecycle stages a contact can be set to (the CRM's `LIFECYCLE_STAGES`). */
export const LIFECYCLE_STAGES = ['subscriber', 'lead', 'qualified', 'opportunity', 'customer', 'other']

/** A contact's display name: first and last name, else email, else phone, else id. */
export function getContactName(contact: Contact): string {
  return `${contact.firstName} ${contact.lastName}`.trim() || contact.email || contact.phone || contact.id
}
