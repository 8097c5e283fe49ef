/**
 * `@rastro/schema/types`: the types, limits and error codes without zod, for SDK bundles.
 */
export type * from './types.js'
export type * from './heatmap-types.js'
export * from './limits.js'
export * from './event-names.js'
export * from './error-codes.js'
export * from './crm-error-codes.js'
