/**
 * API keys made through the CRM (`crm:admin`): the clear key is in the creation answer only; a
 * key can only be given scopes its creator has.
 */
import { z } from 'zod'
import { createChange } from '../audit/create-change.js'
import { SCOPES } from '../auth/scopes.js'
import type { CrmServices } from '../crm-services.js'
import { createCrmError } from '../errors.js'
import type { Router } from '../http/create-router.js'

const keySchema = z.object({
  id: z.string(),
  name: z.string(),
  prefix: z.string(),
  scopes: z.array(z.enum(SCOPES)),
  createdBy: z.string(),
  createdAt: z.string(),
})

export function addKeyRoutes(router: Router, services: CrmServices): void {
  router.add({
    method: 'GET',
    url: '/keys',
    scope: 'crm:admin',
    tag: 'keys',
    summary: 'List the CRM keys of the tenant (without the keys themselves)',
    response: z.object({ results: z.array(keySchema) }),
    handler: async ({ db }) => ({ results: await services.keys.list(db) }),
  })

  router.add({
    method: 'POST',
    url: '/keys',
    scope: 'crm:admin',
    tag: 'keys',
    summary: 'Make a key; the key is shown in this answer only',
    body: z.strictObject({ name: z.string().min(1).max(100), scopes: z.array(z.enum(SCOPES)).min(1) }),
    response: keySchema.extend({ key: z.string() }),
    successStatus: 201,
    handler: async ({ db, body, auth, request }) => {
      const missing = body.scopes.find((scope) => !auth.scopes.has(scope))
      if (missing) {
        throw createCrmError('RASTRO_ERR_AUTH_FORBIDDEN', {
          message: `your key lacks the scope ${missing} it would grant`,
          field: 'scopes',
        })
      }
      const context = services.getWriteContext(request, auth)
      const made = await services.keys.create(db, {
        name: body.name,
        scopes: [...new Set(body.scopes)],
        createdBy: auth.actor,
      })
      await db.insert('crm_changes', [
        createChange(context, {
          action: 'key.created',
          object: 'key',
          objectId: made.id,
          changes: { name: made.name, scopes: made.scopes },
        }),
      ])
      return made
    },
  })

  router.add({
    method: 'DELETE',
    url: '/keys/:id',
    scope: 'crm:admin',
    tag: 'keys',
    summary: 'Revoke a key (other processes stop accepting it within 30 s)',
    params: z.object({ id: z.string().min(1).max(64) }),
    successStatus: 204,
    handler: async ({ db, params, auth, request }) => {
      if (!(await services.keys.revoke(db, params.id))) {
        throw createCrmError('RASTRO_ERR_CRM_NOT_FOUND', { message: `no key ${params.id}` })
      }
      await db.insert('crm_changes', [
        createChange(services.getWriteContext(request, auth), {
          action: 'key.revoked',
          object: 'key',
          objectId: params.id,
          changes: {},
        }),
      ])
      return undefined
    },
  })
}
