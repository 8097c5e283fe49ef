/**
 * Looks up who a key belongs to. Write keys are public and looked up as they are; secret and
 * admin keys are looked up by their SHA-256, so the clear key never needs to be kept.
 */
import { timingSafeEqual } from 'node:crypto'
import type { EnrichmentConfig, Role, SiteConfig, TenantConfig } from './config-schema.js'
import { hashKey } from './load-config.js'

/** The site a write key belongs to. */
export interface SiteRef {
  tenantId: string
  siteId: string
  /** Empty set: any origin. */
  allowedOrigins: ReadonlySet<string>
  retentionDays: number
  enrichment: EnrichmentConfig
  rateLimit: SiteConfig['rateLimit']
  /** Set `_fbp`/`_fbc` as server-set cookies on the answer to its events. */
  firstPartyCookies?: boolean
  /** The tenant's `defaultConsent.marketing`: whether events that state no consent allow those cookies. */
  defaultMarketingConsent?: boolean
  /** `Domain` attribute of those cookies; undefined: host-only. */
  cookieDomain?: string | undefined
}

/** Who a secret key belongs to. */
export interface SecretKeyRef {
  tenantId: string
  role: Role
  name: string | undefined
}

export class KeyRing {
  readonly #sites = new Map<string, SiteRef>()
  readonly #secretKeys = new Map<string, SecretKeyRef>()
  readonly #adminKeySha256: Buffer | undefined

  constructor(tenants: TenantConfig[], adminKeySha256: string | undefined) {
    for (const tenant of tenants) {
      for (const site of tenant.sites) {
        const origins = site.allowedOrigins.includes('*')
          ? []
          : site.allowedOrigins.map((origin) => new URL(origin).origin)
        this.#sites.set(site.writeKey, {
          tenantId: tenant.id,
          siteId: site.id,
          allowedOrigins: new Set(origins),
          retentionDays: tenant.retentionDays,
          enrichment: tenant.enrichment,
          rateLimit: site.rateLimit,
          firstPartyCookies: site.firstPartyCookies,
          defaultMarketingConsent: tenant.defaultConsent.marketing,
          cookieDomain: site.cookieDomain,
        })
      }
      for (const secret of tenant.secretKeys) {
        const sha = secret.keySha256 ?? hashKey(secret.key!)
        this.#secretKeys.set(sha, { tenantId: tenant.id, role: secret.role, name: secret.name })
      }
    }
    this.#adminKeySha256 = adminKeySha256 ? Buffer.from(adminKeySha256, 'hex') : undefined
  }

  /** The site of a write key, or undefined. */
  findSite(writeKey: string): SiteRef | undefined {
    return this.#sites.get(writeKey)
  }

  /** The tenant and role of a secret key, or undefined. */
  findSecretKey(key: string): SecretKeyRef | undefined {
    return this.#secretKeys.get(hashKey(key))
  }

  /**
   * The tenant and role of a secret key known by its SHA-256 (64 lower-case hex digits), or
   * undefined when the config no longer has it (a dashboard session of a removed key ends).
   */
  findSecretKeyBySha256(keySha256: string): SecretKeyRef | undefined {
    return this.#secretKeys.get(keySha256)
  }

  /** Whether `key` is the operator's admin key. */
  isAdminKey(key: string): boolean {
    if (!this.#adminKeySha256) return false
    return timingSafeEqual(Buffer.from(hashKey(key), 'hex'), this.#adminKeySha256)
  }
}
