/**
 * Open-loop load at a fixed rate, for ack latency: request `i` is due at `start + i / rate`, evenly
 * spaced whatever the answers do, and its latency counts from when it was due, so time spent
 * queued behind a slow answer is measured rather than hidden ("coordinated omission", which wrk2
 * corrects the same way: https://github.com/giltene/wrk2).
 *
 * autocannon's `overallRate` is not used for this: its connections send in lockstep, and it times
 * from its own send. At 100 requests/s of 50 events against a bare Fastify route in another
 * process answering at once, it reported p50 / p99 3 / 78 ms, this loader 0.6 / 2.0 ms.
 */
import { Pool } from 'undici'

export interface OpenLoopOptions {
  /** Collector origin (`http://127.0.0.1:port`). */
  origin: string
  path: string
  headers: Record<string, string>
  /** Requests per second. */
  rate: number
  seconds: number
  /** The body of request `i` (built when it is due). */
  body: (i: number) => string
  /** Connections the pool may open; a request waits for a free one (that wait counts). */
  connections?: number
}

export interface OpenLoopResult {
  /** Requests answered 2xx. */
  ok: number
  non2xx: number
  /** Connection errors and timeouts. */
  errors: number
  /** Latency from due time to the whole answer (ms). */
  p50Ms: number
  p99Ms: number
  maxMs: number
}

/** Sends `rate × seconds` requests, evenly spaced; resolves when every one has been answered. */
export async function runOpenLoop(options: OpenLoopOptions): Promise<OpenLoopResult> {
  const pool = new Pool(options.origin, { connections: options.connections ?? 64 })
  const count = Math.round(options.rate * options.seconds)
  const latencies: number[] = []
  let ok = 0
  let non2xx = 0
  let errors = 0
  const answers: Promise<void>[] = []
  const start = performance.now() + 20
  try {
    for (let i = 0; i < count; i++) {
      const due = start + (i * 1000) / options.rate
      const wait = due - performance.now()
      if (wait > 1) await new Promise((resolve) => setTimeout(resolve, wait))
      const answer = pool
        .request({ path: options.path, method: 'POST', headers: options.headers, body: options.body(i) })
        .then(async (response) => {
          await response.body.dump()
          latencies.push(performance.now() - due)
          if (response.statusCode < 300) ok++
          else non2xx++
        })
        .catch(() => void errors++)
      answers.push(answer)
    }
    await Promise.all(answers)
  } finally {
    await pool.close()
  }
  latencies.sort((a, b) => a - b)
  const quantile = (q: number) =>
    latencies[Math.min(latencies.length - 1, Math.floor(latencies.length * q))] ?? NaN
  return { ok, non2xx, errors, p50Ms: quantile(0.5), p99Ms: quantile(0.99), maxMs: latencies.at(-1) ?? NaN }
}
