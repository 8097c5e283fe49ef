import { randomUUID } from 'node:crypto'
import type { Step } from '../pipeline.js'

/**
 * Puts the type, names and ids. A missing `messageId` gets a server-made UUID: the event is kept,
 * but a retry of it cannot be recognised.
 */
export const putIdentity: Step = {
  name: 'putIdentity',
  run({ event, row }) {
    row.type = event.type
    row.message_id = event.messageId ?? randomUUID()
    row.anonymous_id = event.anonymousId ?? ''
    row.user_id = event.userId ?? ''
    if (event.type === 'track') row.event = event.event
    if (event.type === 'page' || event.type === 'screen') row.name = event.name ?? ''
    return undefined
  },
}
