/**
 * Fixtures for tests that build rows or run log consumers without a collector: a site as the
 * key ring resolves it (every enrichment on), a logger that says nothing, and a log to consume.
 */
import type { SiteRef } from '../../src/config/key-ring.js'
import { SegmentLog } from '../../src/log/segment-log.js'

/** A site of `tenantId`, `web` with 30 days of retention unless `overrides` say otherwise. */
export function testSite(tenantId: string, overrides: Partial<SiteRef> = {}): SiteRef {
  return {
    tenantId,
    siteId: 'web',
    allowedOrigins: new Set(),
    retentionDays: 30,
    enrichment: { parseUserAgent: true, detectBots: true, country: true },
    rateLimit: undefined,
    ...overrides,
  }
}

/** A logger for the log, the writer and the consumers that drops every line. */
export const quietLogger = { info() {}, warn() {}, error() {} }

/** A write-ahead log in `dir` (created): `os` durability, 1 MiB segments, nothing logged. */
export function openTestLog(dir: string): SegmentLog {
  return SegmentLog.open({
    dir,
    durability: 'os',
    segmentBytes: 1 << 20,
    maxLogBytes: 1 << 30,
    fsyncIntervalMs: 50,
    minFreeDiskBytes: 0,
    logger: quietLogger,
  })
}
