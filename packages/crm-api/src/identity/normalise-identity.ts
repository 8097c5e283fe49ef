/**
 * Identity kinds and their normal forms, so one person's email or phone written differently maps
 * to one key of the identity map (crm-anchors.md B4.2): email lower-cased, phone in E.164
 * (ITU-T E.164 via libphonenumber's metadata), RFID uids as upper-case hex without separators.
 */
import { parsePhoneNumberFromString, type CountryCode } from 'libphonenumber-js'

/** What identifies a person, strongest first. */
export const IDENTITY_KINDS = ['external_id', 'email', 'phone', 'rfid_uid', 'device_id', 'anon_id'] as const
export type IdentityKind = (typeof IDENTITY_KINDS)[number]

/**
 * Strong kinds name one person and may create a contact. Weak kinds (a browser's anonymous id, a
 * device id) only join the contact a strong kind already found: an anonymous page view alone
 * makes no contact, and a weak id never merges two contacts.
 */
export const STRONG_KINDS: ReadonlySet<IdentityKind> = new Set(['external_id', 'email', 'phone', 'rfid_uid'])

/** An identity in normal form. */
export interface IdentityKey {
  kind: IdentityKind
  value: string
}

const MAX_VALUE_LENGTH = 200
/** Deliberately loose (RFC 5321 allows far more than forms accept): something@domain.tld. */
const EMAIL_PATTERN = /^[^\s@]+@[^\s@]+\.[^\s@]+$/

/**
 * The normal form of `value` as an identity of `kind`, or undefined when it is not one.
 *
 * @param defaultCountry ISO 3166-1 alpha-2 country for phone numbers written without `+`.
 */
export function normaliseIdentity(
  kind: IdentityKind,
  value: unknown,
  defaultCountry?: CountryCode,
): string | undefined {
  if (typeof value === 'number' && kind !== 'email') value = String(value)
  if (typeof value !== 'string') return undefined
  const trimmed = value.trim()
  if (trimmed === '' || trimmed.length > MAX_VALUE_LENGTH) return undefined
  switch (kind) {
    case 'email': {
      const email = trimmed.toLowerCase()
      return EMAIL_PATTERN.test(email) ? email : undefined
    }
    case 'phone': {
      const phone = parsePhoneNumberFromString(trimmed, defaultCountry)
      return phone?.isPossible() ? phone.number : undefined
    }
    case 'rfid_uid': {
      const uid = trimmed.replace(/[\s:-]/g, '').toUpperCase()
      return /^[0-9A-F]{4,64}$/.test(uid) ? uid : undefined
    }
    default:
      return trimmed
  }
}

/** `kind\nvalue`, a map key for an identity. */
export function toIdentityKey(identity: IdentityKey): string {
  return `${identity.kind}\n${identity.value}`
}

/** Rank of a kind, 0 the strongest. */
export function getKindRank(kind: IdentityKind): number {
  return IDENTITY_KINDS.indexOf(kind)
}
