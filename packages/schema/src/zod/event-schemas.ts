/**
 * zod schemas of the event envelope (Segment Spec). Unknown top-level keys are kept (Segment
 * libraries send `channel`, `originalTimestamp`, `_metadata`, …); known keys are type-checked.
 */
import { z } from 'zod'
import { MAX_MESSAGE_ID_LENGTH, MAX_NAME_LENGTH, MAX_WRITE_KEY_LENGTH } from '../limits.js'
import type {
  AliasEvent,
  EventContext,
  GroupEvent,
  IdentifyEvent,
  PageEvent,
  RastroEvent,
  ScreenEvent,
  TrackEvent,
} from '../types.js'

/** ISO 8601 date-time (`2026-01-31T12:00:00.000Z`, offsets allowed); rejects what `Date.parse` cannot read. */
export const isoDateTimeSchema = z
  .string()
  .max(64)
  .regex(/^\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}/, 'must be an ISO 8601 date-time')
  .refine((value) => !Number.isNaN(Date.parse(value)), 'must be an ISO 8601 date-time')

const jsonObjectSchema = z.record(z.string(), z.unknown())
const nameSchema = z.string().max(MAX_NAME_LENGTH)
const idSchema = z.string().max(MAX_NAME_LENGTH)

export const contextSchema: z.ZodType<EventContext> = z.looseObject({
  ip: z.string().max(64).optional(),
  userAgent: z.string().max(2048).optional(),
  locale: z.string().max(64).optional(),
  timezone: z.string().max(64).optional(),
  library: z.looseObject({ name: z.string().max(100), version: z.string().max(100) }).optional(),
  page: z
    .looseObject({
      url: z.string().max(4096).optional(),
      path: z.string().max(4096).optional(),
      referrer: z.string().max(4096).optional(),
      title: z.string().max(1024).optional(),
      search: z.string().max(4096).optional(),
    })
    .optional(),
  campaign: z
    .looseObject({
      name: nameSchema.optional(),
      source: nameSchema.optional(),
      medium: nameSchema.optional(),
      term: nameSchema.optional(),
      content: nameSchema.optional(),
    })
    .optional(),
  screen: z
    .looseObject({
      width: z.number().optional(),
      height: z.number().optional(),
      density: z.number().optional(),
    })
    .optional(),
  sessionId: idSchema.optional(),
  consent: z.looseObject({ categoryPreferences: z.record(z.string(), z.boolean()) }).optional(),
  score: z.number().int().min(1).max(10).optional(),
  engagement: z.enum(['low', 'medium', 'high']).optional(),
  bot: z.boolean().optional(),
  cookieless: z.boolean().optional(),
})

const baseShape = {
  messageId: z.string().min(1).max(MAX_MESSAGE_ID_LENGTH).optional(),
  anonymousId: idSchema.nullish(),
  userId: idSchema.nullish(),
  timestamp: isoDateTimeSchema.optional(),
  sentAt: isoDateTimeSchema.optional(),
  context: contextSchema.optional(),
  integrations: jsonObjectSchema.optional(),
}

export const trackEventSchema: z.ZodType<TrackEvent> = z.looseObject({
  ...baseShape,
  type: z.literal('track'),
  event: nameSchema.min(1),
  properties: jsonObjectSchema.optional(),
})

export const pageEventSchema: z.ZodType<PageEvent> = z.looseObject({
  ...baseShape,
  type: z.literal('page'),
  name: nameSchema.optional(),
  category: nameSchema.optional(),
  properties: jsonObjectSchema.optional(),
})

export const screenEventSchema: z.ZodType<ScreenEvent> = z.looseObject({
  ...baseShape,
  type: z.literal('screen'),
  name: nameSchema.optional(),
  properties: jsonObjectSchema.optional(),
})

export const identifyEventSchema: z.ZodType<IdentifyEvent> = z.looseObject({
  ...baseShape,
  type: z.literal('identify'),
  traits: jsonObjectSchema.optional(),
})

export const groupEventSchema: z.ZodType<GroupEvent> = z.looseObject({
  ...baseShape,
  type: z.literal('group'),
  groupId: idSchema.min(1),
  traits: jsonObjectSchema.optional(),
})

export const aliasEventSchema: z.ZodType<AliasEvent> = z.looseObject({
  ...baseShape,
  type: z.literal('alias'),
  previousId: idSchema.min(1),
  userId: idSchema.min(1),
})

/** Schema of one event, chosen by its `type`. */
export const eventSchemas = {
  track: trackEventSchema,
  page: pageEventSchema,
  screen: screenEventSchema,
  identify: identifyEventSchema,
  group: groupEventSchema,
  alias: aliasEventSchema,
} as const satisfies Record<RastroEvent['type'], z.ZodType<RastroEvent>>

/**
 * Shape of a `/v1/batch` body. Events are left as `unknown` here: each one is validated on its
 * own with {@link validateEvent} so that one bad event does not reject its neighbours.
 */
export const batchRequestSchema = z.looseObject({
  batch: z.array(z.unknown()),
  context: contextSchema.optional(),
  integrations: jsonObjectSchema.optional(),
  writeKey: z.string().max(MAX_WRITE_KEY_LENGTH).optional(),
  sentAt: isoDateTimeSchema.optional(),
})
