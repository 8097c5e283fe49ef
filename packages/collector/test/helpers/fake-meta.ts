/**
 * A local Meta Conversions API that enforces shared/specs/forwarding.md §1 "Fake-endpoint
 * checklist (Meta)" on every request and records what it receives. Written from the spec, not
 * from the collector's code, so a collector bug fails here. Any invalid event fails the whole
 * request with Meta's error shape, as Meta does.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http'
import { isIP } from 'node:net'
import type { AddressInfo } from 'node:net'

const HEX64 = /^[a-f0-9]{64}$/
const HASHED_KEYS = ['em', 'ph', 'fn', 'ln', 'db', 'ge', 'ct', 'st', 'zp', 'country', 'external_id']
const RAW_KEYS = ['client_ip_address', 'client_user_agent', 'fbc', 'fbp']
const FB_COOKIE = /^fb\.[0-2]\.\d{13}\.[^.]+(\.[A-Za-z0-9_-]+)?$/
const ACTION_SOURCES = [
  'email',
  'website',
  'app',
  'phone_call',
  'chat',
  'physical_store',
  'system_generated',
  'business_messaging',
  'other',
]
const BASELINE_SETS = [
  ['ct', 'country', 'st', 'zp', 'ge', 'client_user_agent'],
  ['db', 'client_user_agent'],
  ['fn', 'ge'],
  ['ln', 'ge'],
]
const SKEW_S = 60
const WEEK_S = 7 * 24 * 3600

export interface MetaRequest {
  path: string
  token: string | undefined
  testEventCode: string | undefined
  contentType: string
  data: any[]
  status: number
  answer: any
}

export interface FakeMeta {
  url: string
  pixelId: string
  /** Tokens the fake accepts (add one to "fix" the collector's token). */
  tokens: Set<string>
  /** Every request, valid or not. */
  requests: MetaRequest[]
  /** Events of the requests answered 200, in order. */
  events: any[]
  /** `ok`; `down`: 503 with a transient error and `Retry-After: <retryAfterSeconds>`; `reset`: the socket is destroyed. */
  mode: 'ok' | 'down' | 'reset'
  retryAfterSeconds: number | undefined
  /** Events with these event ids make the request fail with code 100 (a rule the collector could not check). */
  rejectEventIds: Set<string>
  /** Resolves once at least `count` events were accepted. */
  waitForEvents(count: number, timeoutMs?: number): Promise<void>
  close(): Promise<void>
}

type MetaErrorAnswer = {
  status: number
  code: number
  subcode?: number
  message: string
  transient?: boolean
}

function isHashed(value: unknown): boolean {
  const values = Array.isArray(value) ? value : [value]
  return values.length > 0 && values.every((item) => typeof item === 'string' && HEX64.test(item))
}

/** The first rule an event breaks, or undefined. */
export function checkMetaEvent(event: any, nowS: number): MetaErrorAnswer | undefined {
  const bad = (message: string, subcode = 2804003): MetaErrorAnswer => ({
    status: 400,
    code: 100,
    subcode,
    message,
  })
  if (typeof event !== 'object' || event === null) return bad('event must be an object')
  if (typeof event.event_name !== 'string' || event.event_name === '') return bad('event_name is required')
  if (!Number.isInteger(event.event_time)) return bad('event_time must be an integer (Unix seconds)')
  if (event.event_time > nowS + SKEW_S) return bad('event_time is in the future')
  if (event.event_time < nowS - WEEK_S) return bad('event_time is more than 7 days ago')
  if (!ACTION_SOURCES.includes(event.action_source))
    return bad('action_source is required and must be a known value')
  const userData = event.user_data
  if (typeof userData !== 'object' || userData === null) return bad('user_data is required')
  if (event.action_source === 'website') {
    if (typeof event.event_source_url !== 'string' || !/^https?:\/\//.test(event.event_source_url)) {
      return bad('event_source_url is required for website events')
    }
    if (typeof userData.client_user_agent !== 'string')
      return bad('client_user_agent is required for website events')
  }
  for (const key of HASHED_KEYS) {
    if (key in userData && !isHashed(userData[key])) return bad(`user_data.${key} must be SHA-256 hashed`)
  }
  for (const key of RAW_KEYS) {
    if (key in userData && (typeof userData[key] !== 'string' || HEX64.test(userData[key])))
      return bad(`user_data.${key} must not be hashed`)
  }
  if ('client_ip_address' in userData && !isIP(userData.client_ip_address))
    return bad('client_ip_address is not an IP address')
  for (const key of ['fbc', 'fbp']) {
    if (key in userData && !FB_COOKIE.test(userData[key]))
      return bad(`user_data.${key} is not a valid cookie value`)
  }
  const keys = Object.keys(userData)
  if (BASELINE_SETS.some((set) => keys.every((key) => set.includes(key)))) {
    return {
      status: 400,
      code: 100,
      subcode: 2804050,
      message: 'This event has insufficient customer information.',
    }
  }
  if (event.event_name === 'Purchase') {
    const custom = event.custom_data ?? {}
    if (typeof custom.value !== 'number') return bad('Purchase needs custom_data.value (a number)')
    if (typeof custom.currency !== 'string' || !/^[A-Za-z]{3}$/.test(custom.currency))
      return bad('Purchase needs custom_data.currency')
  }
  if (Array.isArray(event.data_processing_options) && event.data_processing_options.includes('LDU')) {
    if (!Number.isInteger(event.data_processing_options_country))
      return bad('LDU needs data_processing_options_country')
  }
  return undefined
}

async function readBody(request: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = []
  for await (const chunk of request) chunks.push(chunk as Buffer)
  return Buffer.concat(chunks)
}

/** Reads `data`, `access_token`, `test_event_code` from JSON, urlencoded or multipart bodies. */
async function parseBody(contentType: string, raw: Buffer): Promise<Record<string, unknown>> {
  if (contentType.startsWith('application/json')) return JSON.parse(raw.toString('utf8'))
  const form = await new Request('http://fake/', {
    method: 'POST',
    headers: { 'content-type': contentType },
    body: raw,
  }).formData()
  const out: Record<string, unknown> = {}
  for (const [key, value] of form) out[key] = key === 'data' ? JSON.parse(String(value)) : String(value)
  return out
}

export async function startFakeMeta(options: { pixelId?: string; token?: string } = {}): Promise<FakeMeta> {
  const pixelId = options.pixelId ?? '123456789012345'
  let trace = 0
  const waiters: (() => void)[] = []
  const fake: Omit<FakeMeta, 'url' | 'close' | 'waitForEvents'> = {
    pixelId,
    tokens: new Set([options.token ?? 'EAAtesttoken0001']),
    requests: [],
    events: [],
    mode: 'ok',
    retryAfterSeconds: undefined,
    rejectEventIds: new Set(),
  }
  const send = (
    response: ServerResponse,
    status: number,
    body: unknown,
    headers: Record<string, string> = {},
  ) => {
    response.writeHead(status, { 'content-type': 'application/json', ...headers }).end(JSON.stringify(body))
  }
  const server: Server = createServer(async (request, response) => {
    if (fake.mode === 'reset') {
      request.socket.destroy()
      return
    }
    const url = new URL(request.url ?? '/', 'http://fake')
    const contentType = request.headers['content-type'] ?? ''
    const raw = await readBody(request)
    const fbtrace = `trace-${++trace}`
    const record = (status: number, answer: any, body: Record<string, unknown> = {}) => {
      fake.requests.push({
        path: url.pathname,
        token: (body.access_token as string | undefined) ?? url.searchParams.get('access_token') ?? undefined,
        testEventCode: body.test_event_code as string | undefined,
        contentType,
        data: Array.isArray(body.data) ? body.data : [],
        status,
        answer,
      })
    }
    const fail = (
      error: MetaErrorAnswer,
      body?: Record<string, unknown>,
      headers?: Record<string, string>,
    ) => {
      const answer = {
        error: {
          message: error.message,
          type: 'OAuthException',
          code: error.code,
          error_subcode: error.subcode,
          is_transient: error.transient ?? false,
          error_user_msg: error.message,
          fbtrace_id: fbtrace,
        },
      }
      record(error.status, answer, body)
      send(response, error.status, answer, headers)
    }
    const match = /^\/v\d+\.\d+\/(\d+)\/events$/.exec(url.pathname)
    if (request.method !== 'POST' || !match)
      return fail({ status: 400, code: 100, message: `unknown path ${url.pathname}` })
    if (fake.mode === 'down') {
      const headers: Record<string, string> =
        fake.retryAfterSeconds === undefined ? {} : { 'retry-after': String(fake.retryAfterSeconds) }
      return fail(
        { status: 503, code: 2, message: 'Service temporarily unavailable', transient: true },
        undefined,
        headers,
      )
    }
    let body: Record<string, unknown>
    try {
      body = await parseBody(contentType, raw)
    } catch {
      return fail({ status: 400, code: 100, message: 'body is not valid JSON or form data' })
    }
    const token =
      (body.access_token as string | undefined) ?? url.searchParams.get('access_token') ?? undefined
    if (!token || !fake.tokens.has(token)) {
      return fail({ status: 401, code: 190, subcode: 463, message: 'Error validating access token' }, body)
    }
    if (match[1] !== pixelId)
      return fail(
        { status: 400, code: 100, subcode: 33, message: 'Unsupported post request: unknown pixel' },
        body,
      )
    const data = body.data
    if (!Array.isArray(data) || data.length < 1 || data.length > 1000) {
      return fail({ status: 400, code: 100, message: 'data must be an array of 1 to 1000 events' }, body)
    }
    const nowS = Math.floor(Date.now() / 1000)
    for (const event of data) {
      const error = checkMetaEvent(event, nowS)
      if (error) return fail(error, body)
      if (fake.rejectEventIds.has(event.event_id))
        return fail({ status: 400, code: 100, subcode: 2804003, message: 'Invalid parameter' }, body)
    }
    const answer = { events_received: data.length, messages: [], fbtrace_id: fbtrace }
    record(200, answer, body)
    fake.events.push(...data)
    for (const wake of waiters.splice(0)) wake()
    send(response, 200, answer)
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.address() as AddressInfo
  return Object.assign(fake as FakeMeta, {
    url: `http://127.0.0.1:${port}`,
    async waitForEvents(count: number, timeoutMs = 15_000) {
      const deadline = Date.now() + timeoutMs
      while (fake.events.length < count) {
        if (Date.now() > deadline) throw new Error(`fake Meta got ${fake.events.length} of ${count} events`)
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
