/**
 * Rows of `crm_changes`, the append-only audit log: every CRM write records who (`actor`, the key's
 * name or id, or `feed` for the event feed), what (`action` such as `contact.created`), on which
 * record, the values written, and the request id. Rows with a `contact_id` also show on that
 * contact's timeline.
 */
import { toClickHouseTime } from '../db/clickhouse-time.js'
import { createId } from '../db/create-id.js'

/** Who writes, and when: passed down from the request (or the feed) to every write. */
export interface WriteContext {
  actor: string
  /** Fastify request id, or `feed:<message id>` for the event feed. */
  requestId: string
  /** Days audit rows are kept (the tenant's retention). */
  retentionDays: number
  /** Epoch ms of the write. */
  now: number
}

/** One audit row to insert. */
export interface ChangeInput {
  action: string
  object:
    | 'contact'
    | 'company'
    | 'deal'
    | 'pipeline'
    | 'note'
    | 'property'
    | 'segment'
    | 'settings'
    | 'webhook'
    | 'key'
    | 'gdpr'
    | 'import'
  objectId: string
  /** The person the change concerns, if any (shows on their timeline). */
  contactId?: string | undefined
  changes: Record<string, unknown>
}

export function createChange(context: WriteContext, input: ChangeInput): Record<string, unknown> {
  return {
    at: toClickHouseTime(context.now),
    id: createId(context.now),
    actor: context.actor,
    action: input.action,
    object: input.object,
    object_id: input.objectId,
    contact_id: input.contactId ?? '',
    changes: JSON.stringify(input.changes),
    request_id: context.requestId,
    retention_days: context.retentionDays,
  }
}
