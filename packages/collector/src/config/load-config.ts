/**
 * Resolves the configuration from, lowest precedence first: defaults, the config file's
 * `server` section, `RASTRO_*` environment variables, command-line flags. Without a config file,
 * one `default` tenant is made whose keys come from `RASTRO_WRITE_KEY`, `RASTRO_SECRET_KEY` and
 * `RASTRO_ADMIN_KEY`, or are generated once and kept in `<dataDir>/keys.json`, and whose
 * destinations come from `RASTRO_META_*`, `RASTRO_GA4_*` and `RASTRO_WEBHOOK_*`.
 */
import { createHash, randomBytes } from 'node:crypto'
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs'
import { join, resolve } from 'node:path'
import type { z } from 'zod'
import { createError } from '../errors.js'
import { configSchema, settingsSchema, type Settings, type TenantConfig } from './config-schema.js'
import { getEnvDestinations } from './get-env-destinations.js'

/** ClickHouse server connection, from `CLICKHOUSE_URL`, `_USER`, `_PASSWORD`, `_DATABASE`, `_CLUSTER`. */
export interface ClickHouseSettings {
  url: string | undefined
  /** Cluster name (`CLICKHOUSE_CLUSTER`): migrations create replicated tables `ON CLUSTER` and Distributed tables. */
  cluster: string | undefined
  username: string | undefined
  password: string | undefined
  database: string | undefined
}

/** The ClickHouse server `env` names (`CLICKHOUSE_URL`, `_USER`, `_PASSWORD`, `_DATABASE`, `_CLUSTER`); an empty one counts as unset. */
export function readClickHouseEnv(env: NodeJS.ProcessEnv): ClickHouseSettings {
  return {
    url: env.CLICKHOUSE_URL || undefined,
    cluster: env.CLICKHOUSE_CLUSTER || undefined,
    username: env.CLICKHOUSE_USER || undefined,
    password: env.CLICKHOUSE_PASSWORD || undefined,
    database: env.CLICKHOUSE_DATABASE || undefined,
  }
}

/** Keys of the default tenant that were generated on this start and must be shown once. */
export interface GeneratedKeys {
  writeKey?: string
  secretKey?: string
  adminKey?: string
  /** File they are kept in. */
  path: string
}

export interface ResolvedConfig {
  settings: Settings
  tenants: TenantConfig[]
  /** SHA-256 (hex) of the operator key; undefined: admin routes are closed. */
  adminKeySha256: string | undefined
  clickhouse: ClickHouseSettings
  /** Where the configuration came from, for the start-up log. */
  source: string
  generatedKeys: GeneratedKeys | undefined
}

export interface LoadConfigOptions {
  /** Path of a JSON config file; unset: the config-less default tenant. */
  configPath?: string | undefined
  env?: NodeJS.ProcessEnv
  /** Settings given on the command line. */
  flags?: Partial<Settings>
}

/** SHA-256 of a key, hex. Keys are compared by hash so the clear key need not be kept. */
export function hashKey(key: string): string {
  return createHash('sha256').update(key).digest('hex')
}

/** `flushIntervalMs` → `RASTRO_FLUSH_INTERVAL_MS`. */
export function toEnvName(setting: string): string {
  return `RASTRO_${setting.replace(/[A-Z]/g, (letter) => `_${letter}`).toUpperCase()}`
}

function formatIssues(error: z.ZodError, prefix: (path: PropertyKey[]) => string): string {
  return error.issues.map((issue) => `${prefix(issue.path)}: ${issue.message}`).join('; ')
}

function formatPath(path: PropertyKey[]): string {
  return path.reduce<string>(
    (out, part) =>
      typeof part === 'number' ? `${out}[${part}]` : out ? `${out}.${String(part)}` : String(part),
    '',
  )
}

function readSettingsFromEnv(env: NodeJS.ProcessEnv): Record<string, unknown> {
  const out: Record<string, unknown> = {}
  for (const name of Object.keys(settingsSchema.shape)) {
    const value = env[toEnvName(name)]
    if (value === undefined || value === '') continue
    out[name] = value === 'true' ? true : value === 'false' ? false : value
  }
  return out
}

function readConfigFile(path: string) {
  let text: string
  try {
    text = readFileSync(path, 'utf8')
  } catch (cause) {
    throw createError('RASTRO_ERR_CONFIG_NOT_FOUND', { message: `cannot read config file ${path}`, cause })
  }
  let json: unknown
  try {
    json = JSON.parse(text)
  } catch (cause) {
    throw createError('RASTRO_ERR_CONFIG_INVALID', {
      message: `config file ${path} is not valid JSON: ${(cause as Error).message}`,
      cause,
    })
  }
  const parsed = configSchema.safeParse(json)
  if (!parsed.success) {
    const first = parsed.error.issues[0]
    throw createError('RASTRO_ERR_CONFIG_INVALID', {
      message: `config file ${path} is not valid: ${formatIssues(parsed.error, formatPath)}`,
      field: first ? formatPath(first.path) : undefined,
    })
  }
  return parsed.data
}

function newKey(prefix: string): string {
  return `${prefix}_${randomBytes(18).toString('base64url')}`
}

type DefaultKeyName = 'writeKey' | 'secretKey' | 'adminKey'
const KEY_PREFIXES: Record<DefaultKeyName, string> = { writeKey: 'wk', secretKey: 'sk', adminKey: 'ak' }

/**
 * Reads the default tenant's keys from `RASTRO_WRITE_KEY`, `RASTRO_SECRET_KEY` and
 * `RASTRO_ADMIN_KEY`, else from `keys.json`; makes (and keeps there) the ones still missing.
 * Keys from the environment are never written to disk.
 */
function getDefaultKeys(dataDir: string, env: NodeJS.ProcessEnv) {
  const path = join(dataDir, 'keys.json')
  let stored: Partial<Record<DefaultKeyName, string>> = {}
  try {
    stored = JSON.parse(readFileSync(path, 'utf8'))
  } catch {
    // first start: nothing kept yet
  }
  const generated: Partial<Record<DefaultKeyName, string>> = {}
  const keys = {} as Record<DefaultKeyName, string>
  for (const name of Object.keys(KEY_PREFIXES) as DefaultKeyName[]) {
    const fromEnv = env[toEnvName(name)]
    if (fromEnv) keys[name] = fromEnv
    else if (stored[name]) keys[name] = stored[name]
    else keys[name] = stored[name] = generated[name] = newKey(KEY_PREFIXES[name])
  }
  if (Object.keys(generated).length > 0) {
    mkdirSync(dataDir, { recursive: true })
    writeFileSync(path, `${JSON.stringify(stored, null, 2)}\n`, { mode: 0o600 })
  }
  return { keys, generatedKeys: Object.keys(generated).length > 0 ? { ...generated, path } : undefined }
}

/**
 * Builds the configuration the server runs with.
 *
 * @throws RastroError `RASTRO_ERR_CONFIG_NOT_FOUND` when the file cannot be read, and
 *   `RASTRO_ERR_CONFIG_INVALID` (message and `field` name the offending field, flag or variable)
 *   when the file, a `RASTRO_*` variable or a flag is not valid.
 */
export function loadConfig(options: LoadConfigOptions = {}): ResolvedConfig {
  const env = options.env ?? process.env
  const file = options.configPath ? readConfigFile(options.configPath) : undefined
  const parsedSettings = settingsSchema.safeParse({
    ...file?.server,
    ...readSettingsFromEnv(env),
    ...options.flags,
  })
  if (!parsedSettings.success) {
    // Named as the user gave it: a flag (which wins over a variable), else the variable (the file's
    // `server` section was checked as the file was read).
    const source = (name: string) =>
      options.flags?.[name as keyof typeof options.flags] !== undefined
        ? `--${name === 'examplesDir' ? 'examples' : name.replace(/[A-Z]/g, (letter) => `-${letter.toLowerCase()}`)}`
        : toEnvName(name)
    throw createError('RASTRO_ERR_CONFIG_INVALID', {
      message: `invalid setting: ${formatIssues(parsedSettings.error, (path) => `${String(path[0])} (${source(String(path[0]))})`)}`,
      field: String(parsedSettings.error.issues[0]?.path[0]),
    })
  }
  const settings = { ...parsedSettings.data, dataDir: resolve(parsedSettings.data.dataDir) }
  if (settings.crmFeed === 'remote') {
    for (const setting of ['crmHostUrl', 'crmHostKey'] as const) {
      if (settings[setting] === undefined) {
        throw createError('RASTRO_ERR_CONFIG_INVALID', {
          message: `invalid setting: ${setting} (${toEnvName(setting)}) is required with crmFeed "remote"`,
          field: setting,
        })
      }
    }
  }
  const clickhouse = readClickHouseEnv(env)
  if (file) {
    const adminKeySha256 = file.adminKeySha256 ?? (file.adminKey ? hashKey(file.adminKey) : undefined)
    if (settings.crmFeed === 'host' && adminKeySha256 === undefined) {
      throw createError('RASTRO_ERR_CONFIG_INVALID', {
        message:
          'crmFeed "host" needs an adminKey (or adminKeySha256): the other collectors send events with it',
        field: 'adminKey',
      })
    }
    return {
      settings,
      tenants: file.tenants,
      adminKeySha256,
      clickhouse,
      source: resolve(options.configPath!),
      generatedKeys: undefined,
    }
  }
  const { keys, generatedKeys } = getDefaultKeys(settings.dataDir, env)
  const tenant: TenantConfig = {
    id: 'default',
    name: 'Default tenant',
    retentionDays: 1095,
    timeZone: 'UTC',
    currency: 'EUR',
    enrichment: { parseUserAgent: true, detectBots: true, country: true },
    sites: [{ id: 'default', writeKey: keys.writeKey, allowedOrigins: ['*'], firstPartyCookies: false }],
    secretKeys: [{ name: 'default', key: keys.secretKey, role: 'owner' }],
    deviceKeys: [],
    revokedDeviceIds: [],
    ...getEnvDestinations(env),
  }
  return {
    settings,
    tenants: [tenant],
    adminKeySha256: hashKey(keys.adminKey),
    clickhouse,
    source: 'no config file: default tenant',
    generatedKeys,
  }
}
