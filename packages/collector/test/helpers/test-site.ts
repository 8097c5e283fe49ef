/**
 * Fixtures for tests that build rows or run log consumers without a collector: a site as the
 * key ring resolves it (every enrichment on) and a logger that says nothing.
 */
import type { SiteRef } from '../../src/config/key-ring.js'

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
