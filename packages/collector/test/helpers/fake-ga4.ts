/**
 * A local GA4 Measurement Protocol endpoint that enforces shared/specs/forwarding.md §2
 * "Fake-endpoint checklist (GA4)": `/mp/collect` answers 204 to anything (as Google does) but
 * records the validation messages the request would get; `/debug/mp/collect` answers them as
 * Google's validation server does. Written from the spec, independently of the collector.
 */
import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import {
  GA4_LONG_PARAMS,
  GA4_NAME,
  GA4_RESERVED_EVENTS,
  GA4_RESERVED_PREFIXES,
} from '../../src/forward/ga4-names.js'

export interface ValidationMessage {
  fieldPath: string
  description: string
  validationCode:
    | 'VALUE_INVALID'
    | 'VALUE_REQUIRED'
    | 'NAME_INVALID'
    | 'NAME_RESERVED'
    | 'VALUE_OUT_OF_BOUNDS'
    | 'EXCEEDED_MAX_ENTITIES'
    | 'NAME_DUPLICATED'
}

export interface Ga4Request {
  path: string
  measurementId: string | null
  apiSecret: string | null
  body: any
  messages: ValidationMessage[]
}

export interface FakeGa4 {
  url: string
  measurementId: string
  apiSecret: string
  requests: Ga4Request[]
  /** Events of requests to `/mp/collect`, each with its request's fields (`request`). */
  events: { name: string; params: any; timestamp_micros?: number; request: any }[]
  /** `ok`; `down`: 503 on `/mp/collect`. */
  mode: 'ok' | 'down'
  waitForEvents(count: number, timeoutMs?: number): Promise<void>
  close(): Promise<void>
}

const HEX64 = /^[a-f0-9]{64}$/
const H72_US = 72 * 3600 * 1e6
const SKEW_US = 60 * 1e6

/** Every validation message a Measurement Protocol body gets (empty: valid). */
export function validateGa4Body(body: any, bytes: number, nowUs: number): ValidationMessage[] {
  const messages: ValidationMessage[] = []
  const add = (fieldPath: string, validationCode: ValidationMessage['validationCode'], description: string) =>
    messages.push({ fieldPath, validationCode, description })
  if (bytes >= 130_000) add('', 'VALUE_OUT_OF_BOUNDS', 'The body must be smaller than 130 kB.')
  if (typeof body?.client_id !== 'string' || body.client_id === '')
    add('client_id', 'VALUE_REQUIRED', 'client_id is required for web streams.')
  if (body?.user_id !== undefined && (typeof body.user_id !== 'string' || body.user_id.length > 256)) {
    add('user_id', 'VALUE_OUT_OF_BOUNDS', 'user_id must be a string of at most 256 characters.')
  }
  const checkTime = (path: string, value: unknown) => {
    if (value === undefined) return
    if (typeof value !== 'number' || value < nowUs - H72_US || value > nowUs + SKEW_US) {
      add(
        path,
        'VALUE_OUT_OF_BOUNDS',
        'timestamp_micros must be within the last 72 hours and not in the future (microseconds).',
      )
    }
  }
  checkTime('timestamp_micros', body?.timestamp_micros)
  if (body?.consent !== undefined) {
    for (const key of ['ad_user_data', 'ad_personalization']) {
      const value = body.consent[key]
      if (value !== undefined && value !== 'GRANTED' && value !== 'DENIED')
        add(`consent.${key}`, 'VALUE_INVALID', `${key} must be GRANTED or DENIED.`)
    }
  }
  const userData = body?.user_data
  if (userData !== undefined) {
    for (const key of ['sha256_email_address', 'sha256_phone_number']) {
      if (
        userData[key] !== undefined &&
        !(
          Array.isArray(userData[key]) &&
          userData[key].every((value: unknown) => typeof value === 'string' && HEX64.test(value))
        )
      ) {
        add(`user_data.${key}`, 'VALUE_INVALID', `${key} must be an array of hex SHA-256 digests.`)
      }
    }
    for (const [index, address] of (userData.address ?? []).entries()) {
      for (const key of ['sha256_first_name', 'sha256_last_name', 'sha256_street']) {
        if (address[key] !== undefined && !HEX64.test(address[key]))
          add(`user_data.address[${index}].${key}`, 'VALUE_INVALID', `${key} must be hashed.`)
      }
      for (const key of ['city', 'region', 'postal_code', 'country']) {
        if (address[key] !== undefined && HEX64.test(address[key]))
          add(`user_data.address[${index}].${key}`, 'VALUE_INVALID', `${key} must not be hashed.`)
      }
    }
  }
  const events = body?.events
  if (!Array.isArray(events) || events.length === 0) {
    add('events', 'VALUE_REQUIRED', 'events is required.')
    return messages
  }
  if (events.length > 25) add('events', 'EXCEEDED_MAX_ENTITIES', 'A request can have at most 25 events.')
  events.forEach((event: any, index: number) => {
    const at = `events[${index}]`
    const name = event?.name
    if (typeof name !== 'string' || !GA4_NAME.test(name) || name.length > 40) {
      add(
        `${at}.name`,
        'NAME_INVALID',
        `Event at index: [${index}] has invalid name [${name}]. Names must start with an alphabetic character.`,
      )
    } else if (
      GA4_RESERVED_EVENTS.has(name) ||
      GA4_RESERVED_PREFIXES.some((prefix) => name.startsWith(prefix))
    ) {
      add(`${at}.name`, 'NAME_RESERVED', `Event at index: [${index}] has reserved name [${name}].`)
    }
    checkTime(`${at}.timestamp_micros`, event?.timestamp_micros)
    const params = event?.params ?? {}
    const names = Object.keys(params)
    if (names.length > 25)
      add(`${at}.params`, 'EXCEEDED_MAX_ENTITIES', 'An event can have at most 25 parameters.')
    for (const param of names) {
      if (!GA4_NAME.test(param) || param.length > 40)
        add(`${at}.params.${param}`, 'NAME_INVALID', `Parameter name [${param}] is invalid.`)
      else if (
        param === 'firebase_conversion' ||
        GA4_RESERVED_PREFIXES.some((prefix) => param.startsWith(prefix))
      ) {
        add(`${at}.params.${param}`, 'NAME_RESERVED', `Parameter name [${param}] is reserved.`)
      }
      const value = params[param]
      if (typeof value === 'string' && value.length > (GA4_LONG_PARAMS[param] ?? 100)) {
        add(`${at}.params.${param}`, 'VALUE_OUT_OF_BOUNDS', `Value of [${param}] is too long.`)
      }
    }
    if (params.value !== undefined && params.currency === undefined)
      add(`${at}.params.currency`, 'VALUE_REQUIRED', 'currency is required when value is set.')
    if ((name === 'purchase' || name === 'refund') && params.transaction_id === undefined) {
      add(`${at}.params.transaction_id`, 'VALUE_REQUIRED', `${name} needs transaction_id.`)
    }
    if (params.items !== undefined) {
      if (!Array.isArray(params.items)) add(`${at}.params.items`, 'VALUE_INVALID', 'items must be an array.')
      else {
        if (params.items.length > 200)
          add(`${at}.params.items`, 'EXCEEDED_MAX_ENTITIES', 'At most 200 items.')
        params.items.forEach((item: any, itemIndex: number) => {
          if (!item?.item_id && !item?.item_name)
            add(`${at}.params.items[${itemIndex}]`, 'VALUE_REQUIRED', 'An item needs item_id or item_name.')
          for (const [key, value] of Object.entries(item ?? {})) {
            if (typeof value === 'string' && value.length > 100)
              add(`${at}.params.items[${itemIndex}].${key}`, 'VALUE_OUT_OF_BOUNDS', 'Item value too long.')
          }
        })
      }
    }
  })
  return messages
}

export async function startFakeGa4(
  options: { measurementId?: string; apiSecret?: string } = {},
): Promise<FakeGa4> {
  const measurementId = options.measurementId ?? 'G-TEST12345'
  const apiSecret = options.apiSecret ?? 'ga4-test-api-secret'
  const waiters: (() => void)[] = []
  const fake: Omit<FakeGa4, 'url' | 'close' | 'waitForEvents'> = {
    measurementId,
    apiSecret,
    requests: [],
    events: [],
    mode: 'ok',
  }
  const server: Server = createServer(async (request, response) => {
    const url = new URL(request.url ?? '/', 'http://fake')
    const chunks: Buffer[] = []
    for await (const chunk of request) chunks.push(chunk as Buffer)
    const raw = Buffer.concat(chunks)
    const debug = url.pathname === '/debug/mp/collect'
    if (request.method !== 'POST' || (url.pathname !== '/mp/collect' && !debug)) {
      response.writeHead(404).end()
      return
    }
    if (!debug && fake.mode === 'down') {
      response.writeHead(503).end()
      return
    }
    let body: any
    let messages: ValidationMessage[]
    try {
      body = JSON.parse(raw.toString('utf8'))
      messages = validateGa4Body(body, raw.length, Date.now() * 1000)
    } catch {
      body = undefined
      messages = [{ fieldPath: '', validationCode: 'VALUE_INVALID', description: 'The body is not JSON.' }]
    }
    fake.requests.push({
      path: url.pathname,
      measurementId: url.searchParams.get('measurement_id'),
      apiSecret: url.searchParams.get('api_secret'),
      body,
      messages,
    })
    if (debug) {
      response
        .writeHead(200, { 'content-type': 'application/json' })
        .end(JSON.stringify({ validationMessages: messages }))
      return
    }
    const { events = [], ...rest } = body ?? {}
    for (const event of Array.isArray(events) ? events : []) fake.events.push({ ...event, request: rest })
    for (const wake of waiters.splice(0)) wake()
    // Production answers 2xx to whatever it receives.
    response.writeHead(204).end()
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.address() as AddressInfo
  return Object.assign(fake as FakeGa4, {
    url: `http://127.0.0.1:${port}`,
    async waitForEvents(count: number, timeoutMs = 15_000) {
      const deadline = Date.now() + timeoutMs
      while (fake.events.length < count) {
        if (Date.now() > deadline) throw new Error(`fake GA4 got ${fake.events.length} of ${count} events`)
        await new Promise<void>((resolve) => {
          waiters.push(resolve)
          setTimeout(resolve, 50)
        })
      }
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections()
        server.close(() => resolve())
      }),
  })
}
