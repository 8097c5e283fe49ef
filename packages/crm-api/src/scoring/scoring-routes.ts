/** Lead-score endpoints: a contact's score, the tenant's rules (`crm:admin` to change), recomputation. */
import { z } from 'zod'
import { createChange } from '../audit/create-change.js'
import { CONTACT_COLUMNS, type ContactRow } from '../contacts/contact-row.js'
import { getContactRow } from '../contacts/contact-routes.js'
import type { CrmServices } from '../crm-services.js'
import type { TenantDb } from '../db/tenant-db.js'
import type { Router } from '../http/create-router.js'
import { scoringRulesSchema } from './scoring-rules.js'

const scoreSchema = z.object({
  /** Points from what the contact is. */
  fit: z.number(),
  /** Points from what the contact did, decayed to now. */
  engagement: z.number(),
  /** Capped total, 0-totalCap. */
  total: z.number(),
  groups: z.array(
    z.object({
      name: z.string(),
      kind: z.enum(['fit', 'engagement']),
      points: z.number(),
      cap: z.number().optional(),
    }),
  ),
  /** Above the hot-lead threshold when last updated. */
  hot: z.boolean(),
  updatedAt: z.string().optional(),
})

async function loadContacts(db: TenantDb, ids: string[]): Promise<ContactRow[]> {
  if (ids.length === 0) return []
  return db.rows<ContactRow>(
    `SELECT ${CONTACT_COLUMNS} FROM crm_contacts FINAL WHERE tenant_id = {tenant:String} AND id IN {ids:Array(String)}`,
    { ids },
  )
}

export function addScoringRoutes(router: Router, services: CrmServices): void {
  const { scores, writer } = services

  router.add({
    method: 'GET',
    url: '/contacts/:id/score',
    scope: 'crm:read',
    tag: 'scoring',
    summary: "A contact's lead score now (fit + decayed engagement, per group)",
    params: z.object({ id: z.string().min(1).max(64) }),
    response: scoreSchema,
    handler: async ({ db, params }) => scores.getScore(db, await getContactRow(db, params.id)),
  })

  router.add({
    method: 'POST',
    url: '/contacts/:id/score/recompute',
    scope: 'crm:write',
    tag: 'scoring',
    summary: "Rebuild a contact's score from its stored events",
    params: z.object({ id: z.string().min(1).max(64) }),
    response: scoreSchema,
    handler: async ({ db, params }) => {
      const contact = await getContactRow(db, params.id)
      await writer.run(db.tenantId, () => scores.recompute(db, [contact.id], (ids) => loadContacts(db, ids)))
      return scores.getScore(db, contact)
    },
  })

  router.add({
    method: 'GET',
    url: '/scoring/rules',
    scope: 'crm:read',
    tag: 'scoring',
    summary: 'The scoring rules in use (the defaults until set)',
    response: scoringRulesSchema,
    handler: ({ db }) => scores.getRules(db),
  })

  router.add({
    method: 'PUT',
    url: '/scoring/rules',
    scope: 'crm:admin',
    tag: 'scoring',
    summary: 'Replace the scoring rules and rescore every contact',
    body: scoringRulesSchema,
    response: z.object({ rules: scoringRulesSchema, rescored: z.number().int() }),
    handler: async ({ db, body, request, auth }) => {
      const rescored = await writer.run(db.tenantId, async () => {
        await scores.putRules(db, body)
        await db.insert('crm_changes', [
          createChange(services.getWriteContext(request, auth), {
            action: 'scoring.rules_set',
            object: 'settings',
            objectId: 'scoring',
            changes: body,
          }),
        ])
        return scores.recompute(db, undefined, (ids) => loadContacts(db, ids))
      })
      return { rules: body, rescored }
    },
  })

  router.add({
    method: 'POST',
    url: '/scoring/recompute',
    scope: 'crm:admin',
    tag: 'scoring',
    summary: 'Rescore every contact from stored events',
    response: z.object({ rescored: z.number().int() }),
    handler: async ({ db }) => ({
      rescored: await writer.run(db.tenantId, () =>
        scores.recompute(db, undefined, (ids) => loadContacts(db, ids)),
      ),
    }),
  })
}
