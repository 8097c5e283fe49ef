/**
 * Calls the collector's APIs from the page. Authentication is the httpOnly session cookie the
 * collector set at sign-in (same origin, SameSite=Strict): the page never sees a key.
 */
import { useEffect, useState } from 'preact/hooks'

/** An answer other than 2xx: the status and the collector's (or the CRM's RFC 9457) error code. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    message: string,
    readonly code?: string,
    readonly field?: string,
  ) {
    super(message)
  }
}

/** Who is signed in, and the tenant's display settings. */
export interface Session {
  tenant: { id: string; name: string; timeZone: string; currency: string; sites: string[] }
  role: 'viewer' | 'editor' | 'owner'
  keyName?: string
  expiresAt: string
}

export interface ApiResult<T> {
  data: T
  /** The record's version (ETag), for `If-Match`. */
  etag: string | null
}

/** Times a request refused with 429 is sent again, after the answer's `Retry-After`. */
const RATE_LIMIT_RETRIES = 2
/** Longest wait for a `Retry-After` before giving up with the 429 (ms): the CRM's default window. */
const MAX_RETRY_AFTER_MS = 10_000

/**
 * The wait a 429's `Retry-After` asks for (ms; seconds or an HTTP date, RFC 9110 §10.2.3), or
 * undefined when it is missing or longer than {@link MAX_RETRY_AFTER_MS}.
 */
function getRetryAfterMs(response: Response): number | undefined {
  const header = response.headers.get('retry-after')
  if (header === null) return undefined
  const ms = /^\d+$/.test(header.trim()) ? Number(header) * 1000 : Date.parse(header) - Date.now()
  return Number.isFinite(ms) && ms <= MAX_RETRY_AFTER_MS ? Math.max(0, ms) : undefined
}

/**
 * Sends a request; a JSON body is serialised. A 429 (the key's rate limit: the request was not
 * processed) is sent again after its `Retry-After`, up to {@link RATE_LIMIT_RETRIES} times.
 * @throws ApiError on a non-2xx answer.
 */
export async function request<T>(
  path: string,
  options: { method?: string; body?: unknown; headers?: Record<string, string> } = {},
): Promise<ApiResult<T>> {
  const send = () =>
    fetch(path, {
      method: options.method ?? 'GET',
      credentials: 'same-origin',
      headers: {
        accept: 'application/json',
        ...(options.body === undefined ? {} : { 'content-type': 'application/json' }),
        ...options.headers,
      },
      ...(options.body === undefined ? {} : { body: JSON.stringify(options.body) }),
    })
  let response = await send()
  for (let retry = 0; retry < RATE_LIMIT_RETRIES && response.status === 429; retry++) {
    const waitMs = getRetryAfterMs(response)
    if (waitMs === undefined) break
    await response.body?.cancel()
    await new Promise((resolve) => setTimeout(resolve, waitMs))
    response = await send()
  }
  const text = await response.text()
  const json = text ? (JSON.parse(text) as Record<string, unknown>) : {}
  if (!response.ok) {
    // Collector errors: { error: { code, message, field } }; CRM errors: problem+json { code, detail, field }.
    const error = (json.error ?? json) as { code?: string; message?: string; detail?: string; field?: string }
    if (response.status === 401) window.dispatchEvent(new Event('rastro:signed-out'))
    throw new ApiError(
      response.status,
      error.message ?? error.detail ?? response.statusText,
      error.code,
      error.field,
    )
  }
  return { data: json as T, etag: response.headers.get('etag') }
}

/** `request` for a GET, answering the data only. */
export async function getJson<T>(path: string): Promise<T> {
  return (await request<T>(path)).data
}

export interface Loaded<T> {
  data: T | undefined
  error: ApiError | Error | undefined
  loading: boolean
  reload(): void
}

/** Loads `path` (GET) whenever it changes; `null` loads nothing. */
export function useApi<T>(path: string | null): Loaded<T> {
  const [state, setState] = useState<{ data?: T; error?: Error; loading: boolean }>({
    loading: path !== null,
  })
  const [tick, setTick] = useState(0)
  useEffect(() => {
    if (path === null) return
    let live = true
    setState((previous) => ({ ...previous, loading: true }))
    getJson<T>(path).then(
      (data) => live && setState({ data, loading: false }),
      (error: Error) => live && setState({ error, loading: false }),
    )
    return () => {
      live = false
    }
  }, [path, tick])
  return { data: state.data, error: state.error, loading: state.loading, reload: () => setTick((n) => n + 1) }
}

/** A query string of the defined values. */
export function toQuery(values: Record<string, string | number | undefined>): string {
  const params = new URLSearchParams()
  for (const [name, value] of Object.entries(values))
    if (value !== undefined && value !== '') params.set(name, String(value))
  const text = params.toString()
  return text ? `?${text}` : ''
}
