/**
 * The OpenAPI 3.1 document of the CRM, generated from the routes' zod schemas with zod 4's
 * `z.toJSONSchema` (JSON Schema 2020-12, which OpenAPI 3.1 uses as is). Served at `/docs`.
 */
import { errorCodes } from '@rastro/schema'
import { z } from 'zod'
import type { RouteDoc } from './create-router.js'

type JsonSchema = Record<string, unknown> & { properties?: Record<string, unknown>; required?: string[] }

function toJsonSchema(schema: z.ZodType, io: 'input' | 'output'): JsonSchema {
  const { $schema: _ignored, ...rest } = z.toJSONSchema(schema, { io, unrepresentable: 'any' }) as JsonSchema
  return rest
}

function toParameters(schema: z.ZodType | undefined, where: 'path' | 'query') {
  if (!schema) return []
  const json = toJsonSchema(schema, 'input')
  return Object.entries(json.properties ?? {}).map(([name, property]) => ({
    name,
    in: where,
    required: where === 'path' || (json.required ?? []).includes(name),
    schema: property,
  }))
}

const problemSchema = {
  type: 'object',
  description: 'RFC 9457 problem details; `code` is stable, see docs/errors.md.',
  required: ['type', 'title', 'status', 'detail', 'code'],
  properties: {
    type: { type: 'string', description: 'URI reference of the problem type: /v1/crm/errors/<code>' },
    title: { type: 'string' },
    status: { type: 'integer' },
    detail: { type: 'string' },
    instance: { type: 'string' },
    code: { type: 'string', enum: Object.keys(errorCodes) },
    field: { type: 'string', description: 'The input at fault.' },
  },
}

/** Builds the OpenAPI document of `routes`. */
export function createOpenApi(routes: RouteDoc[], version: string): Record<string, unknown> {
  const paths: Record<string, Record<string, unknown>> = {}
  for (const route of routes) {
    const path = route.fullUrl.replace(/:(\w+)/g, '{$1}')
    const operation: Record<string, unknown> = {
      summary: route.summary,
      ...(route.description ? { description: route.description } : {}),
      tags: [route.tag],
      operationId: `${route.method.toLowerCase()}${path.replace(/[^a-zA-Z0-9]+(.)?/g, (_m, c: string | undefined) => (c ? c.toUpperCase() : ''))}`,
      security: [{ bearerAuth: [route.scope] }],
      'x-required-scope': route.scope,
      parameters: [
        ...toParameters(route.params, 'path'),
        ...toParameters(route.query, 'query'),
        ...(route.headers ?? []).map((header) => ({
          name: header.name,
          in: 'header',
          required: false,
          description: header.description,
          schema: { type: 'string' },
        })),
      ],
      responses: {
        [String(route.successStatus ?? 200)]: {
          description: 'Success',
          headers: {
            'RateLimit-Limit': { schema: { type: 'integer' } },
            'RateLimit-Remaining': { schema: { type: 'integer' } },
            'RateLimit-Reset': { schema: { type: 'integer' } },
          },
          ...(route.response
            ? { content: { 'application/json': { schema: toJsonSchema(route.response, 'output') } } }
            : {}),
        },
        default: {
          description: 'Error (RFC 9457 problem details)',
          content: { 'application/problem+json': { schema: { $ref: '#/components/schemas/Problem' } } },
        },
      },
    }
    if (route.csvBody) {
      operation.requestBody = {
        required: true,
        content: { 'text/csv': { schema: { type: 'string' } } },
      }
    } else if (route.body) {
      operation.requestBody = {
        required: true,
        content: { 'application/json': { schema: toJsonSchema(route.body, 'input') } },
      }
    }
    paths[path] = { ...paths[path], [route.method.toLowerCase()]: operation }
  }
  return {
    openapi: '3.1.0',
    info: {
      title: 'Rastro CRM API',
      version,
      description:
        'Contacts with identity resolution, companies, deals and pipelines, timeline, lead scores, ' +
        'segments, analytics and GDPR over the Rastro event store. Authenticate with ' +
        '`Authorization: Bearer <secret key>`; each operation names the scope it needs. Writes accept ' +
        '`Idempotency-Key`; lists page with `limit` and an opaque `cursor`.',
    },
    servers: [{ url: '/' }],
    components: {
      securitySchemes: { bearerAuth: { type: 'http', scheme: 'bearer' } },
      schemas: { Problem: problemSchema },
    },
    paths,
  }
}
