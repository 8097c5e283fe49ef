import { mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { redactDestination } from '../../src/config/destination-schema.js'
import { loadConfig } from '../../src/config/load-config.js'

const dataDir = () => mkdtempSync(join(tmpdir(), 'rastro-destinations-'))

function writeConfig(destinations: unknown[]): string {
  const path = join(dataDir(), 'rastro.config.json')
  writeFileSync(
    path,
    JSON.stringify({
      tenants: [{ id: 'shop', sites: [{ id: 'web', writeKey: 'wk_shop_web' }], destinations }],
    }),
  )
  return path
}

describe('destinations in the config file', () => {
  it('fills defaults: Meta API version and URL, GA4 limits, webhook consent; no consent unless given', () => {
    const config = loadConfig({
      configPath: writeConfig([
        { id: 'meta', type: 'meta', pixelId: '123', accessToken: 'EAA0123456789' },
        { id: 'ga4', type: 'ga4', measurementId: 'G-ABC1234', apiSecret: 'secret-123' },
        { id: 'hook', type: 'webhook', url: 'https://n8n.example/webhook/x', secret: '0123456789abcdef' },
      ]),
      env: {},
    })
    const [meta, ga4, hook] = config.tenants[0]!.destinations
    expect(meta).toMatchObject({
      enabled: true,
      dryRun: false,
      apiVersion: 'v26.0',
      apiUrl: 'https://graph.facebook.com',
      maxBatchEvents: 1000,
    })
    expect(ga4).toMatchObject({
      apiUrl: 'https://www.google-analytics.com',
      maxBatchEvents: 25,
      pageViews: true,
    })
    expect(hook).toMatchObject({ consent: 'analytics', pageViews: false, windowHours: 72 })
    expect(config.tenants[0]!.defaultConsent).toEqual({ analytics: false, marketing: false })
  })

  it('refuses duplicate ids, GA4 batches over 25 and invalid GA4 mapping names, naming the field', () => {
    const meta = { id: 'x', type: 'meta', pixelId: '123', accessToken: 'EAA0123456789' }
    expect(() => loadConfig({ configPath: writeConfig([meta, meta]), env: {} })).toThrow(
      /duplicate destination id "x"/,
    )
    expect(() =>
      loadConfig({
        configPath: writeConfig([
          { id: 'g', type: 'ga4', measurementId: 'G-ABC1234', apiSecret: 'secret-123', maxBatchEvents: 26 },
        ]),
        env: {},
      }),
    ).toThrow(/tenants\[0\]\.destinations\[0\]\.maxBatchEvents/)
    expect(() =>
      loadConfig({
        configPath: writeConfig([
          {
            id: 'g',
            type: 'ga4',
            measurementId: 'G-ABC1234',
            apiSecret: 'secret-123',
            mappings: { 'Trial Started': 'trial started' },
          },
        ]),
        env: {},
      }),
    ).toThrow(/GA4 event name/)
  })

  it('redacts secrets', () => {
    const redacted = redactDestination({
      id: 'hook',
      type: 'webhook',
      url: 'https://n8n:hunter2@n8n.example/x',
      secret: '0123456789abcdef',
    } as never)
    expect(redacted).toMatchObject({ secret: '[redacted]' })
    expect(JSON.stringify(redacted)).not.toMatch(/hunter2|0123456789abcdef/)
  })
})

describe('destinations of the config-less default tenant, from the environment', () => {
  it('reads RASTRO_META_*, RASTRO_GA4_*, RASTRO_WEBHOOK_* and RASTRO_DEFAULT_CONSENT', () => {
    const config = loadConfig({
      env: {
        RASTRO_DATA_DIR: dataDir(),
        RASTRO_META_PIXEL_ID: '42',
        RASTRO_META_ACCESS_TOKEN: 'EAAtoken-from-env',
        RASTRO_META_API_URL: 'http://127.0.0.1:9999',
        RASTRO_GA4_MEASUREMENT_ID: 'G-ENV12345',
        RASTRO_GA4_API_SECRET: 'env-secret-1',
        RASTRO_GA4_API_URL: 'https://region1.google-analytics.com',
        RASTRO_WEBHOOK_URL: 'https://backend.example/rastro',
        RASTRO_WEBHOOK_SECRET: 'env-webhook-secret-123',
        RASTRO_DEFAULT_CONSENT: 'analytics, marketing',
      },
    })
    const tenant = config.tenants[0]!
    expect(tenant.defaultConsent).toEqual({ analytics: true, marketing: true })
    expect(tenant.destinations).toMatchObject([
      {
        id: 'meta',
        type: 'meta',
        pixelId: '42',
        accessToken: 'EAAtoken-from-env',
        apiUrl: 'http://127.0.0.1:9999',
      },
      { id: 'ga4', type: 'ga4', measurementId: 'G-ENV12345', apiUrl: 'https://region1.google-analytics.com' },
      { id: 'webhook', type: 'webhook', url: 'https://backend.example/rastro' },
    ])
  })

  it('needs both halves of a pair and never shows a secret in the error', () => {
    expect(() =>
      loadConfig({ env: { RASTRO_DATA_DIR: dataDir(), RASTRO_META_ACCESS_TOKEN: 'EAAsecret-value-123' } }),
    ).toThrow(/RASTRO_META_PIXEL_ID is required/)
    let message = ''
    try {
      loadConfig({
        env: { RASTRO_DATA_DIR: dataDir(), RASTRO_WEBHOOK_URL: 'not a url', RASTRO_WEBHOOK_SECRET: 'short' },
      })
    } catch (error) {
      message = (error as Error).message
    }
    expect(message).toMatch(/^RASTRO_WEBHOOK_(URL|SECRET)/)
    expect(message).not.toContain('short')
    expect(() => loadConfig({ env: { RASTRO_DATA_DIR: dataDir(), RASTRO_DEFAULT_CONSENT: 'ads' } })).toThrow(
      /RASTRO_DEFAULT_CONSENT/,
    )
  })
})
