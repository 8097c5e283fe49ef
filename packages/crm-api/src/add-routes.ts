/** Every CRM route module, registered on one router (the order is the docs' order). */
import { addAnalyticsRoutes } from './analytics/analytics-routes.js'
import { addAuditRoutes } from './audit/audit-routes.js'
import { addCompanyRoutes } from './companies/company-routes.js'
import { addContactRoutes } from './contacts/contact-routes.js'
import type { CrmServices } from './crm-services.js'
import { addDealRoutes } from './deals/deal-routes.js'
import { addPipelineRoutes } from './deals/pipeline-routes.js'
import { addGdprRoutes, type EraseHook } from './gdpr/gdpr-routes.js'
import type { Router } from './http/create-router.js'
import { addImportRoutes } from './imports/import-routes.js'
import { addKeyRoutes } from './keys/key-routes.js'
import { addNoteRoutes } from './notes/note-routes.js'
import { addPropertyRoutes } from './properties/property-routes.js'
import { addScoringRoutes } from './scoring/scoring-routes.js'
import { addSegmentRoutes } from './segments/segment-routes.js'
import { addTimelineRoutes } from './timeline/timeline-routes.js'
import { addWebhookRoutes } from './webhooks/webhook-routes.js'

export function addRoutes(router: Router, services: CrmServices, onErase: EraseHook | undefined): void {
  addContactRoutes(router, services)
  addTimelineRoutes(router)
  addImportRoutes(router, services)
  addScoringRoutes(router, services)
  addSegmentRoutes(router, services)
  addCompanyRoutes(router, services)
  addPipelineRoutes(router, services)
  addDealRoutes(router, services)
  addNoteRoutes(router, services)
  addPropertyRoutes(router, services)
  addAnalyticsRoutes(router)
  addGdprRoutes(router, services, onErase)
  addWebhookRoutes(router, services)
  addKeyRoutes(router, services)
  addAuditRoutes(router)
}
