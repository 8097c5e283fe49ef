import type { DestinationConfig } from '../config/destination-schema.js'
import type { Destination, DestinationOptions } from './destination.js'
import { Ga4Destination } from './ga4-destination.js'
import { MetaDestination } from './meta-destination.js'
import { WebhookDestination } from './webhook-destination.js'

/** The destination of a tenant's config entry. */
export function createDestination(
  tenantId: string,
  config: DestinationConfig,
  options: DestinationOptions = {},
): Destination {
  switch (config.type) {
    case 'meta':
      return new MetaDestination(tenantId, config, options)
    case 'ga4':
      return new Ga4Destination(tenantId, config, options)
    case 'webhook':
      return new WebhookDestination(tenantId, config, options)
  }
}
