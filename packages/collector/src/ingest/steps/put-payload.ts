import type { Step } from '../pipeline.js'

/** `value` as JSON text: `json` when the draft has it already (see `EventDraft`), `{}` when absent. */
function toJson(value: object | undefined, json: string | undefined): string {
  return value === undefined ? '{}' : (json ?? JSON.stringify(value))
}

/**
 * Puts `properties`, `traits` and the whole `context` as JSON text. A group call's `groupId` and an
 * alias call's `previousId` go into `properties`, so identity merges can be queried.
 */
export const putPayload: Step = {
  name: 'putPayload',
  run({ event, row, propertiesJson, traitsJson, contextJson }) {
    let properties = '{}'
    let traits = '{}'
    if (event.type === 'track' || event.type === 'page' || event.type === 'screen')
      properties = toJson(event.properties, propertiesJson)
    if (event.type === 'identify') traits = toJson(event.traits, traitsJson)
    if (event.type === 'group') {
      properties = JSON.stringify({ groupId: event.groupId })
      traits = toJson(event.traits, traitsJson)
    }
    if (event.type === 'alias') properties = JSON.stringify({ previousId: event.previousId })
    row.properties = properties
    row.traits = traits
    row.context = toJson(event.context, contextJson)
    return undefined
  },
}
