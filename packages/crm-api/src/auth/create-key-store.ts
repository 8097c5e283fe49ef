/**
 * Keys made through the CRM API (`POST /v1/crm/keys`). The clear key is shown once; ClickHouse
 * keeps its SHA-256. A key reads `rk_<tenant>.<43 base64url chars>` (256 random bits): the tenant
 * in it lets the lookup bind the tenant first, and the hash match proves it. Found keys are cached
 * for `cacheTtlMs` (default 30 s), so a key revoked in another process stops working within that.
 */
import { createHash, randomBytes } from 'node:crypto'
import type { ClickHouseClient } from '@clickhouse/client'
import { toClickHouseTime, toIsoTime } from '../db/clickhouse-time.js'
import { createId } from '../db/create-id.js'
import { TenantDb } from '../db/tenant-db.js'
import type { CrmAuth } from './crm-auth.js'
import type { Scope } from './scopes.js'

const KEY_PATTERN = /^rk_([a-z0-9][a-z0-9_-]{0,63})\.([A-Za-z0-9_-]{43})$/i

/** A CRM key as listed (never with the clear key). */
export interface CrmKeyInfo {
  id: string
  name: string
  /** First characters of the key, to recognise it (`rk_demo.AbC1`). */
  prefix: string
  scopes: Scope[]
  createdBy: string
  createdAt: string
}

interface KeyRow {
  id: string
  name: string
  prefix: string
  scopes: Scope[]
  created_by: string
  created_at: string
}

/** SHA-256 (hex) of a key. */
export function hashSecret(key: string): string {
  return createHash('sha256').update(key).digest('hex')
}

export interface KeyStore {
  /** The caller of a CRM key, or undefined when it is unknown or revoked. */
  find(key: string): Promise<CrmAuth | undefined>
  /** Makes a key; the clear `key` is in the answer only. */
  create(
    db: TenantDb,
    input: { name: string; scopes: Scope[]; createdBy: string },
  ): Promise<CrmKeyInfo & { key: string }>
  list(db: TenantDb): Promise<CrmKeyInfo[]>
  /** @returns whether a key with this id existed in the tenant. */
  revoke(db: TenantDb, id: string): Promise<boolean>
}

export function createKeyStore(client: ClickHouseClient, cacheTtlMs = 30_000): KeyStore {
  const cache = new Map<string, { auth: CrmAuth; expiresAt: number }>()

  function toInfo(row: KeyRow): CrmKeyInfo {
    return {
      id: row.id,
      name: row.name,
      prefix: row.prefix,
      scopes: row.scopes,
      createdBy: row.created_by,
      createdAt: toIsoTime(row.created_at),
    }
  }

  return {
    async find(key) {
      const match = KEY_PATTERN.exec(key)
      if (!match) return undefined
      const sha = hashSecret(key)
      const cached = cache.get(sha)
      if (cached && cached.expiresAt > Date.now()) return cached.auth
      const db = new TenantDb(client, match[1]!)
      const [row] = await db.rows<KeyRow>(
        `SELECT id, name, prefix, scopes, created_by, created_at FROM crm_api_keys FINAL
         WHERE tenant_id = {tenant:String} AND key_sha256 = {sha:String}`,
        { sha },
      )
      if (!row) {
        cache.delete(sha)
        return undefined
      }
      const auth: CrmAuth = {
        tenantId: db.tenantId,
        scopes: new Set(row.scopes),
        keyId: row.id,
        actor: row.name || row.id,
      }
      cache.set(sha, { auth, expiresAt: Date.now() + cacheTtlMs })
      return auth
    },

    async create(db, input) {
      const key = `rk_${db.tenantId}.${randomBytes(32).toString('base64url')}`
      const row = {
        key_sha256: hashSecret(key),
        id: createId(),
        prefix: key.slice(0, key.indexOf('.') + 5),
        name: input.name,
        scopes: input.scopes,
        version: 1,
        is_deleted: 0,
        created_by: input.createdBy,
        created_at: toClickHouseTime(Date.now()),
      }
      await db.insert('crm_api_keys', [row])
      return { ...toInfo(row), key }
    },

    async list(db) {
      const rows = await db.rows<KeyRow>(
        `SELECT id, name, prefix, scopes, created_by, created_at FROM crm_api_keys FINAL
         WHERE tenant_id = {tenant:String} ORDER BY id`,
      )
      return rows.map(toInfo)
    },

    async revoke(db, id) {
      const [row] = await db.rows<KeyRow & { key_sha256: string; version: number }>(
        `SELECT * FROM crm_api_keys FINAL WHERE tenant_id = {tenant:String} AND id = {id:String}`,
        { id },
      )
      if (!row) return false
      await db.insert('crm_api_keys', [{ ...row, version: Number(row.version) + 1, is_deleted: 1 }])
      cache.delete(row.key_sha256)
      return true
    },
  }
}
