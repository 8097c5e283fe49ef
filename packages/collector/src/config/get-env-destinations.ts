/**
 * Destinations of the config-less default tenant, from the environment: a destination is on when
 * its required variables are set (Meta: pixel id and access token; GA4: measurement id and API
 * secret; webhook: URL and secret). Other settings take their defaults; use a config file for more.
 */
import { z } from 'zod'
import { createError } from '../errors.js'
import {
  defaultConsentSchema,
  destinationSchema,
  type DefaultConsent,
  type DestinationConfig,
} from './destination-schema.js'

/** Environment variable → destination field, per destination; the first two of each are required together. */
const ENV_DESTINATIONS = [
  {
    id: 'meta',
    type: 'meta',
    fields: {
      RASTRO_META_PIXEL_ID: 'pixelId',
      RASTRO_META_ACCESS_TOKEN: 'accessToken',
      RASTRO_META_API_URL: 'apiUrl',
      RASTRO_META_API_VERSION: 'apiVersion',
      RASTRO_META_TEST_EVENT_CODE: 'testEventCode',
    },
  },
  {
    id: 'ga4',
    type: 'ga4',
    fields: {
      RASTRO_GA4_MEASUREMENT_ID: 'measurementId',
      RASTRO_GA4_API_SECRET: 'apiSecret',
      RASTRO_GA4_API_URL: 'apiUrl',
    },
  },
  {
    id: 'webhook',
    type: 'webhook',
    fields: { RASTRO_WEBHOOK_URL: 'url', RASTRO_WEBHOOK_SECRET: 'secret' },
  },
] as const

/**
 * Reads the default tenant's destinations and default consent (`RASTRO_DEFAULT_CONSENT`: a
 * comma-separated list of `analytics`, `marketing`; unset: none).
 *
 * @throws RastroError `RASTRO_ERR_CONFIG_INVALID` naming the variable, when one of a required
 *   pair is missing or a value is not valid (secrets never appear in the message).
 */
export function getEnvDestinations(env: NodeJS.ProcessEnv): {
  destinations: DestinationConfig[]
  defaultConsent: DefaultConsent
} {
  const destinations: DestinationConfig[] = []
  for (const { id, type, fields } of ENV_DESTINATIONS) {
    const names = Object.keys(fields) as (keyof typeof fields)[]
    const set = names.filter((name) => env[name])
    if (set.length === 0) continue
    const missing = names.slice(0, 2).find((name) => !env[name])
    if (missing) {
      throw createError('RASTRO_ERR_CONFIG_INVALID', {
        message: `${missing} is required when ${set.join(', ')} is set`,
        field: missing,
      })
    }
    const input: Record<string, unknown> = { id, type }
    for (const name of set) input[fields[name]] = env[name]
    const parsed = destinationSchema.safeParse(input)
    if (!parsed.success) {
      const issue = parsed.error.issues[0]!
      const variable = names.find((name) => fields[name] === issue.path[0]) ?? names[0]
      throw createError('RASTRO_ERR_CONFIG_INVALID', {
        message: `${variable}: ${issue.message}`,
        field: variable,
      })
    }
    destinations.push(parsed.data)
  }
  const categories = (env.RASTRO_DEFAULT_CONSENT ?? '')
    .split(',')
    .map((category) => category.trim())
    .filter(Boolean)
  const consent = z.array(z.enum(['analytics', 'marketing'])).safeParse(categories)
  if (!consent.success) {
    throw createError('RASTRO_ERR_CONFIG_INVALID', {
      message: 'RASTRO_DEFAULT_CONSENT: must list analytics and/or marketing, comma-separated',
      field: 'RASTRO_DEFAULT_CONSENT',
    })
  }
  const defaultConsent = defaultConsentSchema.parse(
    Object.fromEntries(consent.data.map((category) => [category, true])),
  )
  return { destinations, defaultConsent }
}
