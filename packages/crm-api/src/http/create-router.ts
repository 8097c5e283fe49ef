/**
 * Declares CRM routes once, as data: method, path, the scope needed, zod schemas for params,
 * query, body and response, and the handler. From that one declaration the router registers the
 * Fastify route, checks the scope, validates the input with zod (a 400 naming the field, never a
 * 500) and keeps the route for the OpenAPI document served at `/docs`.
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify'
import type { z } from 'zod'
import type { CrmAuth } from '../auth/crm-auth.js'
import type { Scope } from '../auth/scopes.js'
import type { TenantDb } from '../db/tenant-db.js'
import { createCrmError } from '../errors.js'

type Schema = z.ZodType
type Out<S> = S extends Schema ? z.output<S> : undefined

/** What a handler gets: validated input and the tenant-bound query layer. */
export interface RouteContext<P, Q, B> {
  params: P
  query: Q
  body: B
  /** Query layer bound to the caller's tenant. */
  db: TenantDb
  auth: CrmAuth
  request: FastifyRequest
  reply: FastifyReply
}

/** One route, declared once. */
export interface RouteSpec<
  P extends Schema | undefined,
  Q extends Schema | undefined,
  B extends Schema | undefined,
> {
  method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE'
  /** Path under the API prefix, Fastify syntax (`/contacts/:id`). */
  url: string
  scope: Scope
  summary: string
  description?: string
  tag: string
  params?: P
  query?: Q
  body?: B
  /** `text/csv` body (a string) instead of JSON. */
  csvBody?: boolean
  /** Shape of a successful answer, for the docs. */
  response?: Schema
  /** Status of a successful answer (default 200). */
  successStatus?: number
  /** Largest accepted body (bytes; default Fastify's 1 MiB). */
  bodyLimit?: number
  /** Headers the route reads, for the docs. */
  headers?: { name: string; description: string }[]
  handler(context: RouteContext<Out<P>, Out<Q>, Out<B>>): Promise<unknown>
}

/** A route as the OpenAPI generator sees it. */
export type RouteDoc = RouteSpec<Schema | undefined, Schema | undefined, Schema | undefined> & {
  fullUrl: string
}

/** Reads the caller and the tenant-bound query layer that authentication put on the request. */
export type RequestScope = (request: FastifyRequest) => { auth: CrmAuth; db: TenantDb }

export interface Router {
  add<P extends Schema | undefined, Q extends Schema | undefined, B extends Schema | undefined>(
    spec: RouteSpec<P, Q, B>,
  ): void
  readonly routes: RouteDoc[]
}

function parse<S extends Schema | undefined>(schema: S, value: unknown, where: string): Out<S> {
  if (!schema) return undefined as Out<S>
  const result = schema.safeParse(value)
  if (result.success) return result.data as Out<S>
  const issue = result.error.issues[0]!
  // An unknown key is named itself (`body.emial`), not the object that holds it.
  const path = issue.code === 'unrecognized_keys' ? [...issue.path, issue.keys[0]!] : issue.path
  const field = path.map(String).join('.') || where
  throw createCrmError('RASTRO_ERR_CRM_INVALID_INPUT', { message: `${field}: ${issue.message}`, field })
}

/** A router adding routes to `app` (whose prefix is `prefix`). */
export function createRouter(app: FastifyInstance, prefix: string, getScope: RequestScope): Router {
  const routes: RouteDoc[] = []
  return {
    routes,
    add(spec) {
      routes.push({ ...(spec as unknown as RouteDoc), fullUrl: prefix + spec.url })
      app.route({
        method: spec.method,
        url: spec.url,
        ...(spec.bodyLimit ? { bodyLimit: spec.bodyLimit } : {}),
        handler: async (request, reply) => {
          const { auth, db } = getScope(request)
          if (!auth.scopes.has(spec.scope)) {
            throw createCrmError('RASTRO_ERR_AUTH_FORBIDDEN', {
              message: `this needs a key with the scope ${spec.scope}`,
            })
          }
          if (spec.csvBody && typeof request.body !== 'string') {
            throw createCrmError('RASTRO_ERR_CRM_UNSUPPORTED_MEDIA_TYPE', {
              message: 'send the file as Content-Type: text/csv',
            })
          }
          const context = {
            params: parse(spec.params, request.params, 'params'),
            query: parse(spec.query, request.query, 'query'),
            body: spec.csvBody ? request.body : parse(spec.body, request.body ?? {}, 'body'),
            db,
            auth,
            request,
            reply,
          }
          const result = await spec.handler(context as Parameters<typeof spec.handler>[0])
          // A handler may choose another success status (an upsert answers 201 when it created).
          if (reply.statusCode === 200) reply.code(spec.successStatus ?? 200)
          return result ?? reply.send()
        },
      })
    },
  }
}
