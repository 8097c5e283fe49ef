/**
 * `DELETE /<things>/:id` of a versioned record (company, deal, note): in the tenant's single
 * writer, writes the row again as archived (`is_deleted = 1`, the next version, so `FINAL` reads
 * hide it) and records `<object>.deleted` in the audit log. Answers 204, or 404 naming the object.
 */
import { z } from 'zod'
import { createChange, type ChangeInput } from '../audit/create-change.js'
import type { CrmServices } from '../crm-services.js'
import { getEntity, putEntity, type EntityRow, type EntityTable } from '../db/entity-store.js'
import type { Router } from './create-router.js'

/** The record kind an archive route serves. */
export interface ArchiveRouteSpec {
  /** Path with the id parameter, e.g. `/deals/:id`. */
  url: string
  /** OpenAPI tag and summary. */
  tag: string
  summary: string
  table: EntityTable
  /** The object's name in errors and audit actions (`deal` → `deal.deleted`). */
  object: ChangeInput['object']
}

const idParams = z.object({ id: z.string().min(1).max(64) })

/** Declares the archive route of `spec` on `router` (scope `crm:write`). */
export function addArchiveRoute(router: Router, services: CrmServices, spec: ArchiveRouteSpec): void {
  router.add({
    method: 'DELETE',
    url: spec.url,
    scope: 'crm:write',
    tag: spec.tag,
    summary: spec.summary,
    params: idParams,
    successStatus: 204,
    handler: async ({ db, params, request, auth }) => {
      const context = services.getWriteContext(request, auth)
      await services.writer.run(db.tenantId, async () => {
        const row = await getEntity<EntityRow>(db, spec.table, params.id, spec.object)
        await putEntity(db, spec.table, { ...row, is_deleted: 1 }, context.now)
        await db.insert('crm_changes', [
          createChange(context, {
            action: `${spec.object}.deleted`,
            object: spec.object,
            objectId: row.id,
            contactId: typeof row.contact_id === 'string' ? row.contact_id : undefined,
            changes: {},
          }),
        ])
      })
      return undefined
    },
  })
}
