/**
 * `@rastro/browser` for bundlers. The functions drive one default client, created on first use,
 * so importing the package has no side effects; `createRastro()` makes independent clients.
 *
 * @example
 * import { init, track } from '@rastro/browser'
 * init({ writeKey: 'wk_…', host: 'https://t.example.com' })
 * track('Signed Up', { plan: 'pro' })
 */
import { createRastro } from './create-rastro.js'
import type {
  ConsentCall,
  ConsentPreferences,
  JsonObject,
  Rastro,
  RastroOptions,
  TrackProperties,
} from './types.js'

export { createRastro }
export * from './ecommerce/track-ecommerce.js'
export type * from './ecommerce/ecommerce-events.js'
export type { Touch } from './attribution/get-touch.js'
export type {
  ConsentCall,
  ConsentPreferences,
  JsonObject,
  Rastro,
  RastroDeps,
  RastroOptions,
  TrackProperties,
} from './types.js'
export type { EventStep, OutgoingEvent, Plugin, PluginApi } from './plugin.js'
export type {
  EventContext,
  IdentifyEvent,
  PageEvent,
  RastroEvent,
  TrackEvent,
  BatchRequest,
  IngestResponse,
} from '@rastro/schema/types'

let client: Rastro | undefined
const get = (): Rastro => (client ||= createRastro())

/** Starts the default client. See {@link Rastro.init}. */
export function init(options: RastroOptions): void {
  get().init(options)
}

/** Records a user action; E-commerce Spec events get typed properties. See {@link Rastro.track}. */
export function track<E extends string>(event: E, properties?: TrackProperties<E>): string | undefined {
  return get().track(event, properties)
}

/** Records a page view of the current URL. See {@link Rastro.page}. */
export function page(name?: string | JsonObject, properties?: JsonObject): string | undefined {
  return get().page(name, properties)
}

/** Ties the visitor to a user id and traits. See {@link Rastro.identify}. */
export function identify(userId?: string | null | JsonObject, traits?: JsonObject): string | undefined {
  return get().identify(userId, traits)
}

/** Tells the collector that `userId` is the same person as `previousId`. See {@link Rastro.alias}. */
export function alias(userId: string, previousId?: string): string | undefined {
  return get().alias(userId, previousId)
}

/** Ties the user to a company or account. See {@link Rastro.group}. */
export function group(groupId: string, traits?: JsonObject): string | undefined {
  return get().group(groupId, traits)
}

const setConsent = (choice: Partial<ConsentPreferences>) => get().consent(choice)

/** Records the visitor's consent choice; `consent.set(choice)` is the same. See {@link Rastro.consent}. */
export const consent: ConsentCall = /*#__PURE__*/ Object.assign(setConsent, { set: setConsent })

/** Stops recording, remembered in the `rastro_consent` cookie. See {@link Rastro.optOut}. */
export function optOut(): void {
  get().optOut()
}

/** Forgets the user and starts a new anonymous id and session. See {@link Rastro.reset}. */
export function reset(): void {
  get().reset()
}

/** Sends every queued event now. See {@link Rastro.flush}. */
export function flush(): Promise<boolean> {
  return get().flush()
}

/** Turns console logging on or off. See {@link Rastro.debug}. */
export function debug(enabled?: boolean): void {
  get().debug(enabled)
}
