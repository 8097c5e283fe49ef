/** Custom property definitions per object (`crm:admin` to change them). */
import { z } from 'zod'
import { createChange } from '../audit/create-change.js'
import type { CrmServices } from '../crm-services.js'
import { toClickHouseTime } from '../db/clickhouse-time.js'
import { createCrmError } from '../errors.js'
import type { Router } from '../http/create-router.js'
import { getPropertyDefinitions, PROPERTY_OBJECTS, propertyDefinitionSchema } from './property-definitions.js'

const objectParams = z.object({ object: z.enum(PROPERTY_OBJECTS) })

export function addPropertyRoutes(router: Router, services: CrmServices): void {
  router.add({
    method: 'GET',
    url: '/properties/:object',
    scope: 'crm:read',
    tag: 'properties',
    summary: 'List the custom properties of contacts, companies or deals',
    params: objectParams,
    response: z.object({ results: z.array(propertyDefinitionSchema) }),
    handler: async ({ db, params }) => ({
      results: [...(await getPropertyDefinitions(db, params.object)).values()].map(
        ({ version: _version, ...definition }) => definition,
      ),
    }),
  })

  router.add({
    method: 'POST',
    url: '/properties/:object',
    scope: 'crm:admin',
    tag: 'properties',
    summary: 'Define (or redefine) a custom property',
    params: objectParams,
    body: propertyDefinitionSchema,
    response: propertyDefinitionSchema,
    successStatus: 201,
    handler: async ({ db, params, body, request, auth }) => {
      if (body.type === 'enum' && body.options.length === 0) {
        throw createCrmError('RASTRO_ERR_CRM_INVALID_INPUT', {
          message: 'options: an enum needs options',
          field: 'options',
        })
      }
      const context = services.getWriteContext(request, auth)
      await services.writer.run(db.tenantId, async () => {
        const current = (await getPropertyDefinitions(db, params.object)).get(body.name)
        await db.insert('crm_property_definitions', [
          {
            object: params.object,
            ...body,
            version: (current?.version ?? 0) + 1,
            is_deleted: 0,
            created_at: toClickHouseTime(context.now),
          },
        ])
        await db.insert('crm_changes', [
          createChange(context, {
            action: 'property.defined',
            object: 'property',
            objectId: `${params.object}.${body.name}`,
            changes: body,
          }),
        ])
      })
      return body
    },
  })

  router.add({
    method: 'DELETE',
    url: '/properties/:object/:name',
    scope: 'crm:admin',
    tag: 'properties',
    summary: 'Remove a custom property definition (values already stored stay)',
    params: objectParams.extend({ name: z.string().max(64) }),
    successStatus: 204,
    handler: async ({ db, params, request, auth }) => {
      const context = services.getWriteContext(request, auth)
      await services.writer.run(db.tenantId, async () => {
        const current = (await getPropertyDefinitions(db, params.object)).get(params.name)
        if (!current)
          throw createCrmError('RASTRO_ERR_CRM_NOT_FOUND', {
            message: `no ${params.object} property ${params.name}`,
          })
        await db.insert('crm_property_definitions', [
          {
            ...current,
            object: params.object,
            version: current.version + 1,
            is_deleted: 1,
            created_at: toClickHouseTime(context.now),
          },
        ])
        await db.insert('crm_changes', [
          createChange(context, {
            action: 'property.removed',
            object: 'property',
            objectId: `${params.object}.${params.name}`,
            changes: {},
          }),
        ])
      })
      return undefined
    },
  })
}
