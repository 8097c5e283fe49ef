import type { Step } from '../pipeline.js'

/**
 * Puts `properties`, `traits` and the whole `context` as JSON text. A group call's `groupId` and an
 * alias call's `previousId` go into `properties`, so identity merges can be queried.
 */
export const putPayload: Step = {
  name: 'putPayload',
  run({ event, row }) {
    let properties: object = {}
    let traits: object = {}
    if (event.type === 'track' || event.type === 'page' || event.type === 'screen')
      properties = event.properties ?? {}
    if (event.type === 'identify') traits = event.traits ?? {}
    if (event.type === 'group') {
      properties = { groupId: event.groupId }
      traits = event.traits ?? {}
    }
    if (event.type === 'alias') properties = { previousId: event.previousId }
    row.properties = JSON.stringify(properties)
    row.traits = JSON.stringify(traits)
    row.context = JSON.stringify(event.context ?? {})
    return undefined
  },
}
