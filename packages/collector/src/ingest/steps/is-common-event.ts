/**
 * The envelope check of the common case, by hand: the zod schemas of `@rastro/schema`
 * (`zod/event-schemas.ts`, `validateEvent`) field by field, at a fraction of their cost (zod was
 * ~7 µs of the ~21 µs of CPU an event took, measured with `npm run bench:steps`). It only ever
 * says "certainly valid": anything else (an error, a `$heatmap` event, no identity, a value it
 * does not expect) goes to zod, which gives the verdict and names the field, so a rejection is
 * word for word what it was.
 *
 * Every bound below is the schema's; `test/internals/is-common-event.test.ts` fails when the two
 * disagree.
 */
import { HEATMAP_EVENT, MAX_MESSAGE_ID_LENGTH, MAX_NAME_LENGTH, type RastroEvent } from '@rastro/schema'

/** `isoDateTimeSchema`'s pattern. */
const ISO_DATE_TIME = /^\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}/

type Fields = Record<string, unknown>

/** What zod takes for an object (`looseObject`) and, for values parsed from JSON, for a record. */
function isObject(value: unknown): value is Fields {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
}

function isText(value: unknown, maxLength: number): value is string {
  return typeof value === 'string' && value.length <= maxLength
}

function isName(value: unknown): value is string {
  return typeof value === 'string' && value.length > 0 && value.length <= MAX_NAME_LENGTH
}

function isOptionalText(value: unknown, maxLength: number): boolean {
  return value === undefined || (typeof value === 'string' && value.length <= maxLength)
}

/** `z.number()` (finite only in zod 4), optional. */
function isOptionalNumber(value: unknown): boolean {
  return value === undefined || (typeof value === 'number' && Number.isFinite(value))
}

function isOptionalObject(value: unknown): boolean {
  return value === undefined || isObject(value)
}

function isOptionalBoolean(value: unknown): boolean {
  return value === undefined || typeof value === 'boolean'
}

function isOptionalDateTime(value: unknown): boolean {
  return (
    value === undefined ||
    (typeof value === 'string' &&
      value.length <= 64 &&
      ISO_DATE_TIME.test(value) &&
      !Number.isNaN(Date.parse(value)))
  )
}

function isPage(page: Fields): boolean {
  return (
    isOptionalText(page.url, 4096) &&
    isOptionalText(page.path, 4096) &&
    isOptionalText(page.referrer, 4096) &&
    isOptionalText(page.title, 1024) &&
    isOptionalText(page.search, 4096)
  )
}

function isCampaign(campaign: Fields): boolean {
  return (
    isOptionalText(campaign.name, MAX_NAME_LENGTH) &&
    isOptionalText(campaign.source, MAX_NAME_LENGTH) &&
    isOptionalText(campaign.medium, MAX_NAME_LENGTH) &&
    isOptionalText(campaign.term, MAX_NAME_LENGTH) &&
    isOptionalText(campaign.content, MAX_NAME_LENGTH)
  )
}

function isConsent(consent: Fields): boolean {
  const preferences = consent.categoryPreferences
  if (!isObject(preferences)) return false
  for (const category in preferences) if (typeof preferences[category] !== 'boolean') return false
  return true
}

/** `contextSchema`: its known keys checked, any other key kept as it is. */
function isContext(context: Fields): boolean {
  const { library, page, campaign, screen, consent, score, engagement } = context
  return (
    isOptionalText(context.ip, 64) &&
    isOptionalText(context.userAgent, 2048) &&
    isOptionalText(context.locale, 64) &&
    isOptionalText(context.timezone, 64) &&
    (library === undefined ||
      (isObject(library) && isText(library.name, 100) && isText(library.version, 100))) &&
    (page === undefined || (isObject(page) && isPage(page))) &&
    (campaign === undefined || (isObject(campaign) && isCampaign(campaign))) &&
    (screen === undefined ||
      (isObject(screen) &&
        isOptionalNumber(screen.width) &&
        isOptionalNumber(screen.height) &&
        isOptionalNumber(screen.density))) &&
    isOptionalText(context.sessionId, MAX_NAME_LENGTH) &&
    (consent === undefined || (isObject(consent) && isConsent(consent))) &&
    (score === undefined || (Number.isInteger(score) && (score as number) >= 1 && (score as number) <= 10)) &&
    (engagement === undefined || engagement === 'low' || engagement === 'medium' || engagement === 'high') &&
    isOptionalBoolean(context.bot) &&
    isOptionalBoolean(context.cookieless)
  )
}

/** The fields of each type beyond the common ones (`trackEventSchema`, `pageEventSchema`, …). */
function isTypeShape(event: Fields): boolean {
  switch (event.type) {
    case 'track':
      return isName(event.event) && event.event !== HEATMAP_EVENT && isOptionalObject(event.properties)
    case 'page':
      return (
        isOptionalText(event.name, MAX_NAME_LENGTH) &&
        isOptionalText(event.category, MAX_NAME_LENGTH) &&
        isOptionalObject(event.properties)
      )
    case 'screen':
      return isOptionalText(event.name, MAX_NAME_LENGTH) && isOptionalObject(event.properties)
    case 'identify':
      return isOptionalObject(event.traits)
    case 'group':
      return isName(event.groupId) && isOptionalObject(event.traits)
    case 'alias':
      return isName(event.previousId) && isName(event.userId)
    default:
      return false
  }
}

/**
 * Whether `validateEvent(input)` of `@rastro/schema` would accept `input` as it is. `false` means
 * "ask zod", not "invalid". For JSON values as Fastify parses them (no `__proto__` keys: it
 * refuses those bodies), zod's accepted event then equals `input`, key order aside: so the caller
 * can use `input` itself as the event.
 */
export function isCommonEvent(input: unknown): input is RastroEvent {
  if (!isObject(input)) return false
  const { messageId, anonymousId, userId, context } = input
  return (
    isTypeShape(input) &&
    (messageId === undefined ||
      (typeof messageId === 'string' && messageId.length > 0 && messageId.length <= MAX_MESSAGE_ID_LENGTH)) &&
    (anonymousId === undefined || anonymousId === null || isText(anonymousId, MAX_NAME_LENGTH)) &&
    (userId === undefined || userId === null || isText(userId, MAX_NAME_LENGTH)) &&
    isOptionalDateTime(input.timestamp) &&
    isOptionalDateTime(input.sentAt) &&
    (context === undefined || (isObject(context) && isContext(context))) &&
    isOptionalObject(input.integrations) &&
    // An identity, as `validateEvent` requires; without one zod's path names the field.
    (!!userId || !!anonymousId || (context as Fields | undefined)?.cookieless === true)
  )
}
