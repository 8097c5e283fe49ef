/**
 * The CRM feed's rows from log payloads: only the columns of a {@link CrmEventRow}, 17 of the 41
 * (with every column decoded, the feed's worker spent a third of its time decoding rows and
 * collecting the garbage of the columns it never read: the URL, referrer, title, user agent…).
 */
import type { CrmEventRow } from '@rastro/crm-api/feed'
import { createEventRowDecoder, headIndex } from '../ingest/decode-event-rows.js'

const TIMESTAMP = headIndex('timestamp')
const TENANT_ID = headIndex('tenant_id')
const MESSAGE_ID = headIndex('message_id')
const TYPE = headIndex('type')
const EVENT = headIndex('event')
const NAME = headIndex('name')
const ANONYMOUS_ID = headIndex('anonymous_id')
const USER_ID = headIndex('user_id')
const PATH = headIndex('path')
const UTM_SOURCE = headIndex('utm_source')
const LIBRARY_NAME = headIndex('library_name')
const SCORE = headIndex('score')
const ENGAGEMENT = headIndex('engagement')
const BOT = headIndex('bot')

/** The columns of a {@link CrmEventRow}: what the CRM feed decodes of each row. */
export const CRM_COLUMNS = [
  'timestamp',
  'tenant_id',
  'message_id',
  'type',
  'event',
  'name',
  'anonymous_id',
  'user_id',
  'path',
  'utm_source',
  'library_name',
  'score',
  'engagement',
  'bot',
  'properties',
  'traits',
  'context',
] as const satisfies readonly (keyof CrmEventRow)[]

// Fails to compile when CrmEventRow gains a column that CRM_COLUMNS lacks.
const everyColumn: Exclude<keyof CrmEventRow, (typeof CRM_COLUMNS)[number]> extends never ? true : never =
  true
void everyColumn

/** The {@link CrmEventRow}s of a log payload; lines that are not rows are skipped. */
export const decodeCrmRows = createEventRowDecoder(
  CRM_COLUMNS,
  ({ head, properties, traits, context }) =>
    ({
      tenant_id: head[TENANT_ID],
      message_id: head[MESSAGE_ID],
      type: head[TYPE],
      event: head[EVENT],
      name: head[NAME],
      anonymous_id: head[ANONYMOUS_ID],
      user_id: head[USER_ID],
      timestamp: head[TIMESTAMP],
      path: head[PATH],
      utm_source: head[UTM_SOURCE],
      library_name: head[LIBRARY_NAME],
      score: head[SCORE],
      engagement: head[ENGAGEMENT],
      bot: head[BOT],
      properties,
      traits,
      context,
    }) as CrmEventRow,
)
