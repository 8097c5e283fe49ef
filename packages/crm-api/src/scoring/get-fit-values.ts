/** The values fit rules test: a contact's fields by API name, `emailDomain`, and its custom properties. */
import type { ContactRow } from '../contacts/contact-row.js'

export function getFitValues(row: ContactRow): Record<string, unknown> {
  return {
    ...(JSON.parse(row.properties || '{}') as Record<string, unknown>),
    email: row.email,
    emailDomain: row.email.split('@')[1] ?? '',
    phone: row.phone,
    externalId: row.external_id,
    firstName: row.first_name,
    lastName: row.last_name,
    companyId: row.company_id,
    lifecycleStage: row.lifecycle_stage,
    source: row.source,
  }
}
