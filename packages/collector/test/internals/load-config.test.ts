import { mkdtempSync, readFileSync, statSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { getConfigJsonSchema } from '../../src/config/config-schema.js'
import { hashKey, loadConfig, toEnvName } from '../../src/config/load-config.js'

function tempDir(): string {
  return mkdtempSync(join(tmpdir(), 'rastro-config-'))
}

function writeConfig(config: unknown): string {
  const path = join(tempDir(), 'rastro.config.json')
  writeFileSync(path, typeof config === 'string' ? config : JSON.stringify(config))
  return path
}

const valid = {
  adminKey: 'ak_0123456789abcdef',
  tenants: [
    {
      id: 'shop',
      sites: [{ id: 'web', writeKey: 'wk_shop_web' }],
      secretKeys: [{ key: 'sk_0123456789abcdef' }],
    },
  ],
}

describe('first-party site settings', () => {
  const withSite = (site: Record<string, unknown>, more: Record<string, unknown>[] = []) => ({
    ...valid,
    tenants: [{ ...valid.tenants[0], sites: [{ id: 'web', writeKey: 'wk_shop_web', ...site }, ...more] }],
  })
  const load = (config: unknown) => loadConfig({ configPath: writeConfig(config), env: {} })

  it('accepts neutral script and events paths and a cookie domain', () => {
    const config = load(
      withSite({
        paths: { script: '/assets/app-4f2c.js', events: '/api/e' },
        firstPartyCookies: true,
        cookieDomain: 'shop.example',
      }),
    )
    expect(config.tenants[0]!.sites[0]).toMatchObject({
      paths: { script: '/assets/app-4f2c.js', events: '/api/e' },
      firstPartyCookies: true,
      cookieDomain: 'shop.example',
    })
    expect(load(withSite({})).tenants[0]!.sites[0]!.firstPartyCookies).toBe(false)
  })

  it('refuses, naming the field, paths blockers match, paths of the collector and a path used twice', () => {
    const refused: [Record<string, unknown>, string][] = [
      [{ paths: { events: '/api/track' } }, 'tenants[0].sites[0].paths.events'],
      [{ paths: { events: '/Analytics/e' } }, 'tenants[0].sites[0].paths.events'],
      [{ paths: { script: '/js/collect.js' } }, 'tenants[0].sites[0].paths.script'],
      [{ paths: { script: '/beacon-2.js' } }, 'tenants[0].sites[0].paths.script'],
      [{ paths: { events: '/api/tracking' } }, 'tenants[0].sites[0].paths.events'],
      [{ paths: { events: '/v1/e' } }, 'tenants[0].sites[0].paths.events'],
      [{ paths: { script: '/rastro.js' } }, 'tenants[0].sites[0].paths.script'],
      [{ paths: { events: 'api/e' } }, 'tenants[0].sites[0].paths.events'],
      [{ paths: { events: '/api/../e' } }, 'tenants[0].sites[0].paths.events'],
      [{ paths: { events: '/api/e?x=1' } }, 'tenants[0].sites[0].paths.events'],
      [{ paths: { script: '/api/e', events: '/api/e' } }, 'tenants[0].sites[0].paths.events'],
      [{ cookieDomain: 'shop example' }, 'tenants[0].sites[0].cookieDomain'],
    ]
    for (const [site, field] of refused) {
      expect(() => load(withSite(site)), JSON.stringify(site)).toThrow(
        expect.objectContaining({ code: 'RASTRO_ERR_CONFIG_INVALID', field }),
      )
    }
    expect(() =>
      load(
        withSite({ paths: { script: '/a/x.js' } }, [
          { id: 'blog', writeKey: 'wk_shop_blog', paths: { events: '/a/x.js' } },
        ]),
      ),
    ).toThrow(expect.objectContaining({ field: 'tenants[0].sites[1].paths.events' }))
    // Sites may share an events path: the write key tells them apart.
    expect(() =>
      load(
        withSite({ paths: { events: '/a/e' } }, [
          { id: 'blog', writeKey: 'wk_shop_blog', paths: { events: '/a/e' } },
        ]),
      ),
    ).not.toThrow()
  })
})

describe('loadConfig', () => {
  it('reads a config file, with defaults for what it leaves out', () => {
    const config = loadConfig({ configPath: writeConfig(valid), env: {} })
    expect(config.tenants[0]).toMatchObject({
      id: 'shop',
      retentionDays: 1095,
      sites: [{ allowedOrigins: ['*'] }],
      secretKeys: [{ role: 'viewer' }],
    })
    expect(config.adminKeySha256).toBe(hashKey('ak_0123456789abcdef'))
    expect(config.settings).toMatchObject({
      port: 8080,
      durability: 'fsync',
      flushIntervalMs: 1000,
      maxBatchRows: 10_000,
    })
  })

  it('names the offending field of a bad config file', () => {
    const bad = { ...valid, tenants: [{ id: 'shop', sites: [{ id: 'web', writeKey: 'short' }] }] }
    expect(() => loadConfig({ configPath: writeConfig(bad), env: {} })).toThrow(
      expect.objectContaining({ code: 'RASTRO_ERR_CONFIG_INVALID', field: 'tenants[0].sites[0].writeKey' }),
    )
    expect(() => loadConfig({ configPath: writeConfig({ ...valid, tenantz: [] }), env: {} })).toThrow(
      /tenantz/,
    )
    expect(() => loadConfig({ configPath: writeConfig('{ nope'), env: {} })).toThrow(
      expect.objectContaining({ code: 'RASTRO_ERR_CONFIG_INVALID' }),
    )
    expect(() => loadConfig({ configPath: '/nonexistent/rastro.config.json', env: {} })).toThrow(
      expect.objectContaining({ code: 'RASTRO_ERR_CONFIG_NOT_FOUND' }),
    )
  })

  it('refuses a write key used by two sites', () => {
    const twice = {
      tenants: [
        { id: 'a', sites: [{ id: 'web', writeKey: 'wk_same_key' }] },
        { id: 'b', sites: [{ id: 'web', writeKey: 'wk_same_key' }] },
      ],
    }
    expect(() => loadConfig({ configPath: writeConfig(twice), env: {} })).toThrow(
      /write key already used by a\/web/,
    )
  })

  it('layers settings: file, then RASTRO_* variables, then flags, and names a bad variable', () => {
    const path = writeConfig({ ...valid, server: { port: 9000, flushIntervalMs: 500 } })
    const config = loadConfig({
      configPath: path,
      env: { RASTRO_PORT: '9100', RASTRO_TRUST_PROXY: 'true' },
      flags: { port: 9200 },
    })
    expect(config.settings).toMatchObject({ port: 9200, flushIntervalMs: 500, trustProxy: true })
    expect(toEnvName('flushIntervalMs')).toBe('RASTRO_FLUSH_INTERVAL_MS')
    expect(() => loadConfig({ configPath: path, env: { RASTRO_MAX_BATCH_ROWS: 'many' } })).toThrow(
      /maxBatchRows \(RASTRO_MAX_BATCH_ROWS\)/,
    )
    // A flag's mistake is named as the flag.
    expect(() => loadConfig({ configPath: path, env: {}, flags: { port: Number('abc') } })).toThrow(
      /port \(--port\)/,
    )
  })

  it('needs the CRM host and its key when the CRM feed is remote, and an admin key on the host', () => {
    const path = writeConfig(valid)
    const remote = (env: Record<string, string>) =>
      loadConfig({ configPath: path, env: { RASTRO_CRM_FEED: 'remote', ...env } })
    expect(() => remote({})).toThrow(
      expect.objectContaining({ code: 'RASTRO_ERR_CONFIG_INVALID', field: 'crmHostUrl' }),
    )
    expect(() => remote({ RASTRO_CRM_HOST_URL: 'http://crm.internal:8080' })).toThrow(
      /crmHostKey \(RASTRO_CRM_HOST_KEY\) is required/,
    )
    expect(() => remote({ RASTRO_CRM_HOST_URL: 'ftp://crm.internal', RASTRO_CRM_HOST_KEY: 'ak_x' })).toThrow(
      /crmHostUrl \(RASTRO_CRM_HOST_URL\)/,
    )
    const { adminKey: _adminKey, ...withoutAdminKey } = valid
    expect(() =>
      loadConfig({ configPath: writeConfig(withoutAdminKey), env: { RASTRO_CRM_FEED: 'host' } }),
    ).toThrow(expect.objectContaining({ code: 'RASTRO_ERR_CONFIG_INVALID', field: 'adminKey' }))
    expect(
      remote({ RASTRO_CRM_HOST_URL: 'http://crm.internal:8080', RASTRO_CRM_HOST_KEY: 'ak_x' }).settings,
    ).toMatchObject({ crmFeed: 'remote', crmHostUrl: 'http://crm.internal:8080', crmHostKey: 'ak_x' })
  })

  it('without a config file, makes a default tenant whose generated keys are kept and reused', () => {
    const dataDir = tempDir()
    const first = loadConfig({ env: {}, flags: { dataDir } })
    expect(first.tenants.map((tenant) => tenant.id)).toEqual(['default'])
    expect(first.generatedKeys).toMatchObject({
      writeKey: expect.stringMatching(/^wk_/),
      adminKey: expect.stringMatching(/^ak_/),
    })
    const keysFile = join(dataDir, 'keys.json')
    expect(statSync(keysFile).mode & 0o777).toBe(0o600)
    const second = loadConfig({ env: {}, flags: { dataDir } })
    expect(second.generatedKeys).toBeUndefined()
    expect(second.tenants[0]!.sites[0]!.writeKey).toBe(first.generatedKeys!.writeKey)
  })

  it('takes the default keys from the environment and never writes them to disk', () => {
    const dataDir = tempDir()
    const env = {
      RASTRO_WRITE_KEY: 'wk_from_env',
      RASTRO_SECRET_KEY: 'sk_from_env_0123456',
      RASTRO_ADMIN_KEY: 'ak_from_env_0123456',
    }
    const config = loadConfig({ env, flags: { dataDir } })
    expect(config.generatedKeys).toBeUndefined()
    expect(config.tenants[0]!.sites[0]!.writeKey).toBe('wk_from_env')
    expect(config.adminKeySha256).toBe(hashKey('ak_from_env_0123456'))
    expect(() => readFileSync(join(dataDir, 'keys.json'))).toThrow()
  })
})

describe('rastro.config.schema.json', () => {
  it('is the schema generated from the zod config (run `npm run gen:config-schema -w @rastro/collector`)', () => {
    const committed = JSON.parse(
      readFileSync(new URL('../../rastro.config.schema.json', import.meta.url), 'utf8'),
    )
    expect(committed).toEqual(getConfigJsonSchema())
  })
})
