/**
 * `POST /imports/contacts`: a CSV file (`Content-Type: text/csv`, header row, ≤ 10,000 rows,
 * ≤ 5 MiB) upserted by email, phone or external id, so importing a list twice, or a list that
 * repeats a person, updates instead of duplicating (twentyhq/twenty#11864). Every row gets a line
 * in the report: created, updated, suppressed (erased under GDPR) or failed with the field at
 * fault; good rows are imported even when others fail.
 *
 * Columns: email, phone, external_id (or user_id), first_name, last_name, name (split when first
 * and last are absent), company_id, lifecycle_stage, and any defined custom contact property.
 * Other columns are reported as ignored. Header names are matched case-insensitively, with spaces,
 * dashes and camelCase read as underscores.
 */
import { parse } from 'csv-parse/sync'
import { z } from 'zod'
import { createChange } from '../audit/create-change.js'
import { contactInputSchema, toContactWrite, type ContactInput } from '../contacts/contact-input.js'
import type { CrmServices } from '../crm-services.js'
import { CrmError, createCrmError } from '../errors.js'
import type { Router } from '../http/create-router.js'
import { ContactBatch } from '../identity/contact-batch.js'
import { getPropertyDefinitions } from '../properties/property-definitions.js'

const MAX_ROWS = 10_000

const COLUMN_FIELDS: Record<string, keyof ContactInput | 'name'> = {
  email: 'email',
  email_address: 'email',
  phone: 'phone',
  phone_number: 'phone',
  mobile: 'phone',
  external_id: 'externalId',
  user_id: 'externalId',
  first_name: 'firstName',
  firstname: 'firstName',
  last_name: 'lastName',
  lastname: 'lastName',
  name: 'name',
  full_name: 'name',
  company_id: 'companyId',
  lifecycle_stage: 'lifecycleStage',
}

function toColumnKey(header: string): string {
  return header
    .trim()
    .replace(/([a-z])([A-Z])/g, '$1_$2')
    .toLowerCase()
    .replace(/[\s-]+/g, '_')
}

const reportSchema = z.object({
  rows: z.number().int(),
  created: z.number().int(),
  updated: z.number().int(),
  suppressed: z.number().int(),
  failed: z.number().int(),
  ignoredColumns: z.array(z.string()),
  results: z.array(
    z.object({
      /** Line in the file (the header is line 1). */
      line: z.number().int(),
      status: z.enum(['created', 'updated', 'suppressed', 'failed']),
      contactId: z.string().optional(),
      error: z.object({ field: z.string().optional(), message: z.string() }).optional(),
    }),
  ),
})
type Report = z.infer<typeof reportSchema>

export function addImportRoutes(router: Router, services: CrmServices): void {
  router.add({
    method: 'POST',
    url: '/imports/contacts',
    scope: 'crm:write',
    tag: 'contacts',
    summary: 'Import contacts from CSV, upserting by email, phone or external id, with a per-row report',
    csvBody: true,
    bodyLimit: 5 * 1024 * 1024,
    response: reportSchema,
    handler: async ({ db, body, request, auth }) => {
      let records: string[][]
      try {
        records = parse(body as unknown as string, {
          bom: true,
          skip_empty_lines: true,
          relax_column_count: true,
        }) as string[][]
      } catch (error) {
        throw createCrmError('RASTRO_ERR_CRM_INVALID_INPUT', {
          message: `not valid CSV: ${(error as Error).message}`,
          field: 'body',
        })
      }
      const [header, ...rows] = records
      if (!header || rows.length === 0) {
        throw createCrmError('RASTRO_ERR_CRM_INVALID_INPUT', {
          message: 'the file needs a header row and at least one row',
          field: 'body',
        })
      }
      if (rows.length > MAX_ROWS) {
        throw createCrmError('RASTRO_ERR_CRM_INVALID_INPUT', {
          message: `at most ${MAX_ROWS} rows per import`,
          field: 'body',
        })
      }
      const definitions = await getPropertyDefinitions(db, 'contact')
      const columns = header.map((name) => {
        const key = toColumnKey(name)
        return { name, field: COLUMN_FIELDS[key], property: definitions.has(key) ? key : undefined }
      })
      const ignoredColumns = columns
        .filter((column) => !column.field && !column.property)
        .map((column) => column.name)

      const results: Report['results'] = []
      const writes: { line: number; write: Awaited<ReturnType<typeof toContactWrite>> }[] = []
      for (const [i, row] of rows.entries()) {
        const line = i + 2
        const input: Record<string, unknown> & { properties: Record<string, unknown> } = { properties: {} }
        let name = ''
        columns.forEach((column, c) => {
          const value = row[c]?.trim() ?? ''
          if (value === '') return
          if (column.field === 'name') name = value
          else if (column.field) (input as Record<string, unknown>)[column.field] = value
          else if (column.property) {
            const type = definitions.get(column.property)!.type
            input.properties[column.property] =
              type === 'number' ? Number(value) : type === 'boolean' ? /^(true|yes|1)$/i.test(value) : value
          }
        })
        if (name && !input.firstName && !input.lastName) {
          const [first, ...rest] = name.split(/\s+/)
          input.firstName = first
          if (rest.length > 0) input.lastName = rest.join(' ')
        }
        try {
          if (!input.email && !input.phone && !input.externalId) {
            throw createCrmError('RASTRO_ERR_CRM_INVALID_INPUT', {
              message: 'a row needs an email, phone or external id',
              field: 'email',
            })
          }
          const parsed = contactInputSchema.safeParse(input)
          if (!parsed.success) {
            const issue = parsed.error.issues[0]!
            throw createCrmError('RASTRO_ERR_CRM_INVALID_INPUT', {
              message: issue.message,
              field: issue.path.join('.'),
            })
          }
          writes.push({ line, write: await toContactWrite(db, parsed.data, services.defaultCountry) })
        } catch (error) {
          if (!(error instanceof CrmError)) throw error
          results.push({
            line,
            status: 'failed',
            error: { ...(error.field ? { field: error.field } : {}), message: error.message },
          })
        }
      }

      const context = services.getWriteContext(request, auth)
      await services.writer.run(db.tenantId, async () => {
        const batch = new ContactBatch(db, context)
        await batch.preload(writes.flatMap(({ write }) => write.keys))
        for (const { line, write } of writes) {
          const result = await batch.upsert({
            keys: write.keys,
            patch: write.patch,
            mode: 'set',
            source: 'import',
            create: true,
          })
          if (result.suppressed) results.push({ line, status: 'suppressed' })
          else
            results.push({
              line,
              status: result.created ? 'created' : 'updated',
              contactId: result.contactId!,
            })
        }
        await batch.flush()
      })
      results.sort((a, b) => a.line - b.line)
      const tally = (status: string) => results.filter((result) => result.status === status).length
      const report = {
        rows: rows.length,
        created: tally('created'),
        updated: tally('updated'),
        suppressed: tally('suppressed'),
        failed: tally('failed'),
        ignoredColumns,
        results,
      }
      await db.insert('crm_changes', [
        createChange(context, {
          action: 'import.completed',
          object: 'import',
          objectId: String(request.id),
          changes: {
            rows: report.rows,
            created: report.created,
            updated: report.updated,
            suppressed: report.suppressed,
            failed: report.failed,
          },
        }),
      ])
      return report
    },
  })
}
