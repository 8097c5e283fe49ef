/** The ingest steps, in order, and the blank row they fill. */
import { toClickHouseTime, type EventRow } from '../event-row.js'
import type { RequestInfo, Step } from '../pipeline.js'
import type { CountryDb } from '../country-db.js'
import type { VisitorIds } from '../visitor-ids.js'
import { putBot } from './put-bot.js'
import { putCampaign } from './put-campaign.js'
import { createPutCountry } from './put-country.js'
import { createPutCookielessId } from './put-cookieless-id.js'
import { putIdentity } from './put-identity.js'
import { putIp } from './put-ip.js'
import { putPage } from './put-page.js'
import { putPayload } from './put-payload.js'
import { putRastroContext } from './put-rastro-context.js'
import { putTimestamps } from './put-timestamps.js'
import { putUserAgent } from './put-user-agent.js'
import { validateEnvelope } from './validate-envelope.js'
import { validateSize } from './validate-size.js'

/** What the steps need from the server. */
export interface StepDependencies {
  /** Derives the ids of cookieless visitors (`context.cookieless`). */
  visitorIds: VisitorIds
  /** Looks up the country of client IPs (`enrichment.country`); undefined: none is looked up. */
  countries?: CountryDb | undefined
}

/** The steps every event goes through, in order. */
export function createSteps({ visitorIds, countries }: StepDependencies): readonly Step[] {
  return [
    validateSize,
    validateEnvelope,
    createPutCookielessId(visitorIds),
    putIdentity,
    putTimestamps,
    putPage,
    putCampaign,
    putUserAgent,
    putBot,
    createPutCountry(countries),
    putIp,
    putRastroContext,
    putPayload,
  ]
}

/** A row with the request's fields set and every other field empty. */
export function createRow(request: RequestInfo): EventRow {
  return {
    tenant_id: request.site.tenantId,
    site_id: request.site.siteId,
    message_id: '',
    type: 'track',
    event: '',
    name: '',
    anonymous_id: '',
    user_id: '',
    session_id: '',
    timestamp: '',
    original_timestamp: null,
    sent_at: null,
    received_at: toClickHouseTime(request.receivedAt),
    url: '',
    path: '',
    referrer: '',
    title: '',
    utm_source: '',
    utm_medium: '',
    utm_campaign: '',
    utm_term: '',
    utm_content: '',
    browser: '',
    browser_version: '',
    os: '',
    os_version: '',
    device_type: '',
    user_agent: '',
    ip: '',
    library_name: '',
    library_version: '',
    locale: '',
    score: 0,
    engagement: '',
    bot: 0,
    properties: '{}',
    traits: '{}',
    context: '{}',
    retention_days: request.site.retentionDays,
    country: '',
  }
}
