/**
 * A collector's CRM feed when the fleet's CRM runs on another collector (`crmFeed: "remote"`):
 * each batch of its log's records goes to the CRM host's {@link CRM_FEED_PATH}, authenticated with
 * the host's admin key. The host answers 204 once the rows are written to its CRM, and the log
 * consumer moves its cursor only then, so a batch the host did not take is sent again.
 */
import { Readable } from 'node:stream'
import { Agent, request } from 'undici'
import {
  CRM_FEED_COLUMNS_HEADER,
  CRM_FEED_CONTENT_TYPE,
  CRM_FEED_PATH,
  EVENT_COLUMNS_HEADER,
} from './crm-feed-wire.js'

/**
 * Bytes of log records a sender reads per batch for the CRM host. Each batch costs the host ~10
 * ClickHouse statements of ~5-10 ms each on top of its rows, and one tenant's batches run one at a
 * time, so larger batches raise what the host takes (`npm run bench:crm-host`, every visitor a
 * contact: 6.0k events/s with 1 MiB, 11.5k with 4 MiB, 17.1k with 12 MiB).
 */
export const CRM_HOST_BATCH_BYTES = 12 * 1024 * 1024

export interface CrmHostClientOptions {
  /** The CRM host's base URL (`http://crm.internal:8080`). */
  url: string
  /** The CRM host's admin key. */
  key: string
  /** Longest wait for the host's answer to one batch (ms): a batch of 4 MiB is ~1-2 s of CRM work. */
  timeoutMs?: number
}

export class CrmHostClient {
  readonly #url: URL
  readonly #key: string
  readonly #agent: Agent

  constructor(options: CrmHostClientOptions) {
    this.#url = new URL(CRM_FEED_PATH.slice(1), options.url.endsWith('/') ? options.url : `${options.url}/`)
    this.#key = options.key
    const timeoutMs = options.timeoutMs ?? 60_000
    this.#agent = new Agent({ connections: 1, headersTimeout: timeoutMs, bodyTimeout: timeoutMs })
  }

  /**
   * Sends the payloads of a batch of log records (event rows) to the CRM host.
   * Resolves once the host has written them to its CRM.
   * @throws Error naming the host's status and error code when it answers anything but 204, or
   *   the network error when it cannot be reached.
   */
  async send(payloads: Buffer[]): Promise<void> {
    const { statusCode, body } = await request(this.#url, {
      method: 'POST',
      dispatcher: this.#agent,
      headers: {
        authorization: `Bearer ${this.#key}`,
        'content-type': CRM_FEED_CONTENT_TYPE,
        [CRM_FEED_COLUMNS_HEADER]: EVENT_COLUMNS_HEADER,
      },
      // Streamed as they are: no copy of the batch into one buffer on the event loop.
      body: Readable.from(payloads, { objectMode: false }),
    })
    if (statusCode === 204) {
      await body.dump()
      return
    }
    const text = await body.text().catch(() => '')
    let detail = ''
    try {
      const { error } = JSON.parse(text) as { error?: { code?: string; message?: string } }
      if (error?.code) detail = ` ${error.code}: ${error.message ?? ''}`
    } catch {
      // Not a collector's JSON: a proxy's page, for instance.
    }
    throw new Error(`the CRM host ${this.#url.origin} answered ${statusCode}${detail}`)
  }

  /** Closes the connection to the host. */
  close(): Promise<void> {
    return this.#agent.close()
  }
}
