import type { Step } from '../pipeline.js'

/** Puts Rastro's own context fields (session, score, engagement) and the library and locale. */
export const putRastroContext: Step = {
  name: 'putRastroContext',
  run({ event, row }) {
    const context = event.context ?? {}
    row.session_id = context.sessionId ?? ''
    row.score = context.score ?? 0
    row.engagement = context.engagement ?? ''
    row.library_name = context.library?.name ?? ''
    row.library_version = context.library?.version ?? ''
    row.locale = context.locale ?? ''
    return undefined
  },
}
