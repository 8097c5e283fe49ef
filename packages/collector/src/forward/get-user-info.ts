/**
 * What an event tells about the person, raw, from Segment's reserved traits: `context.traits`
 * (track calls from the SDKs), then the row's `traits` (identify calls), then `properties` (a shop
 * that put the buyer's email on the order). Both spellings Segment uses are read
 * (`firstName`/`first_name`, `postalCode`/`postal_code`). Destinations normalise and hash it.
 */
import { asRecord, asText, type ForwardEvent, type JsonRecord } from './forward-event.js'

/** Raw personal data of an event; every field optional. */
export interface UserInfo {
  email?: string
  phone?: string
  firstName?: string
  lastName?: string
  /** Date of birth as given. */
  birthday?: string
  gender?: string
  street?: string
  city?: string
  state?: string
  postalCode?: string
  country?: string
}

function pick(sources: JsonRecord[], ...names: string[]): string | undefined {
  for (const source of sources) {
    for (const name of names) {
      const value = asText(source[name])
      if (value !== undefined) return value
    }
  }
  return undefined
}

/** Reads {@link UserInfo} from an event (see the module notes for the order of sources). */
export function getUserInfo(event: ForwardEvent): UserInfo {
  const sources = [asRecord(event.context.traits), event.traits, event.properties]
  const addresses = sources.map((source) => asRecord(source.address))
  const info: UserInfo = {
    email: pick(sources, 'email'),
    phone: pick(sources, 'phone'),
    firstName: pick(sources, 'firstName', 'first_name'),
    lastName: pick(sources, 'lastName', 'last_name'),
    birthday: pick(sources, 'birthday', 'dateOfBirth', 'date_of_birth'),
    gender: pick(sources, 'gender'),
    street: pick(addresses, 'street'),
    city: pick(addresses, 'city'),
    state: pick(addresses, 'state'),
    postalCode: pick(addresses, 'postalCode', 'postal_code', 'zip'),
    country: pick(addresses, 'country'),
  }
  for (const key of Object.keys(info) as (keyof UserInfo)[]) if (info[key] === undefined) delete info[key]
  return info
}
