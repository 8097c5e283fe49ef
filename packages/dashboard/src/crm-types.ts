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
  body: string
  createdAt: string
}

export interface Segment {
  id: string
  name: string
}

/** A contact's display name: first and last name, else email, else phone, else id. */
export function getContactName(contact: Contact): string {
  return `${contact.firstName} ${contact.lastName}`.trim() || contact.email || contact.phone || contact.id
}
