/**
 * Scopes of CRM keys and the scopes each collector role grants (crm-anchors.md B4.7: keys carry a
 * tenant and scopes). A route names the one scope it needs.
 */

/** Every scope a CRM key can carry. */
export const SCOPES = ['crm:read', 'crm:write', 'crm:admin', 'gdpr'] as const

/** `crm:read` reads records and analytics; `crm:write` changes records; `crm:admin` manages keys, rules, webhooks, pipelines and reads the audit log; `gdpr` exports and erases people. */
export type Scope = (typeof SCOPES)[number]

/** A secret key's role in the collector's config file. */
export type Role = 'viewer' | 'editor' | 'owner'

/** viewer → read; editor → read + write; owner → everything, including admin and GDPR. */
export const ROLE_SCOPES: Record<Role, readonly Scope[]> = {
  viewer: ['crm:read'],
  editor: ['crm:read', 'crm:write'],
  owner: ['crm:read', 'crm:write', 'crm:admin', 'gdpr'],
}
