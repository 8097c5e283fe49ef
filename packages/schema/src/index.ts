/**
 * `@rastro/schema`: the event contract shared by the SDKs and the collector. The types, limits
 * and error codes are also published without zod at `@rastro/schema/types`.
 */
export type * from './types.js'
export type * from './heatmap-types.js'
export * from './limits.js'
export * from './event-names.js'
export * from './error-codes.js'
export * from './zod/event-schemas.js'
export * from './zod/validate-event.js'
export * from './zod/heatmap-schema.js'
export * from './crm-error-codes.js'
