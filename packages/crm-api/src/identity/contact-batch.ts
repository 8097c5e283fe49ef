/**
 * The unit of work for contacts and the identity map. Everything that creates, updates, merges or
 * deletes a contact goes through a batch, inside the tenant's single writer
 * (db/create-tenant-writer.ts): the batch reads the identity map, decides in memory (so a batch of
 * 100 upserts or 10,000 events needs a handful of queries), and `flush()` writes the contact rows,
 * identity rows and audit rows. Because batches of a tenant run one after another, an identity
 * read here cannot be taken by anyone else before `flush()`: no two contacts ever share a key.
 *
 * Resolution rules (PostHog's persons and Twenty's identity asks, crm-anchors.md B1/B3):
 * - strong kinds (external id, email, phone, RFID uid) find or create a contact; weak kinds
 *   (anonymous id, device id) only join the contact a strong kind found, and never merge two;
 * - when one call's strong identities point at two contacts, they are one person and are merged
 *   into the oldest, unless the contacts carry different external ids (two user accounts);
 * - a weak id already on another contact stays there (a shared browser does not move history);
 * - events are never rewritten: the timeline and analytics resolve them through the map.
 */
import { createHash } from 'node:crypto'
import { createChange, type ChangeInput, type WriteContext } from '../audit/create-change.js'
import { toClickHouseTime, toNumber } from '../db/clickhouse-time.js'
import { createId } from '../db/create-id.js'
import type { TenantDb } from '../db/tenant-db.js'
import { nextVersion } from '../db/version-clock.js'
import { createCrmError } from '../errors.js'
import { CONTACT_COLUMNS, LIFECYCLE_STAGES, type ContactRow } from '../contacts/contact-row.js'
import { getPersonKeys } from './get-person-keys.js'
import {
  getKindRank,
  STRONG_KINDS,
  toIdentityKey,
  type IdentityKey,
  type IdentityKind,
} from './normalise-identity.js'

/** Contact fields a write may set; identities in normal form. `null` in `properties` removes a property. */
export interface ContactPatch {
  email?: string | undefined
  phone?: string | undefined
  externalId?: string | undefined
  firstName?: string | undefined
  lastName?: string | undefined
  companyId?: string | undefined
  lifecycleStage?: string | undefined
  properties?: Record<string, unknown> | undefined
}

export interface UpsertInput {
  keys: IdentityKey[]
  patch: ContactPatch
  /** `set`: given values overwrite (API, identify traits); `setOnce`: they only fill empty fields (event properties). */
  mode: 'set' | 'setOnce'
  /** Channel recorded on a new contact. */
  source: string
  /** Whether to create a contact when no identity matches (needs a strong identity). */
  create: boolean
}

export interface UpsertResult {
  /** The contact the identities resolve to; undefined when none was found or made. */
  contactId: string | undefined
  created: boolean
  /** An identity is on the GDPR suppression list: nothing was written. */
  suppressed: boolean
}

/** SHA-256 of a suppressed identity (`kind:value`), as kept in `crm_suppressions`. */
export function hashIdentity(key: IdentityKey): string {
  return createHash('sha256').update(`${key.kind}:${key.value}`).digest('hex')
}

const PATCH_COLUMNS = [
  ['email', 'email'],
  ['phone', 'phone'],
  ['externalId', 'external_id'],
  ['firstName', 'first_name'],
  ['lastName', 'last_name'],
  ['companyId', 'company_id'],
] as const

function rankStage(stage: string): number {
  const rank = LIFECYCLE_STAGES.indexOf(stage as (typeof LIFECYCLE_STAGES)[number])
  // `other` is never reached automatically.
  return stage === 'other' || rank < 0 ? -1 : rank
}

export class ContactBatch {
  readonly #db: TenantDb
  readonly #context: WriteContext
  /** Identity key → owning contact id, or null when known to be free. */
  readonly #owners = new Map<string, string | null>()
  readonly #suppressed = new Set<string>()
  readonly #suppressionChecked = new Set<string>()
  /** Contact id → row (mutated in place), or null when it does not exist. */
  readonly #contacts = new Map<string, ContactRow | null>()
  readonly #storedVersion = new Map<string, number>()
  readonly #dirty = new Set<string>()
  readonly #identityRows = new Map<string, Record<string, unknown>>()
  #changes: Record<string, unknown>[] = []
  /** Contacts created, changed or merged into by this batch (their scores may need a look). */
  readonly touched = new Set<string>()
  /** Contacts that gained an identity events carry (user, anonymous, device id, RFID uid): older events may be theirs now. */
  readonly reidentified = new Set<string>()

  constructor(db: TenantDb, context: WriteContext) {
    this.#db = db
    this.#context = context
  }

  /** The write context (actor, request id, time) of this batch. */
  get context(): WriteContext {
    return this.#context
  }

  /** Reads the owners and the suppression state of `keys` not seen yet: two queries at most. */
  async preload(keys: IdentityKey[]): Promise<void> {
    const unknown = keys.filter((key) => !this.#owners.has(toIdentityKey(key)))
    if (unknown.length > 0) {
      const rows = await this.#db.rows<{ kind: string; value: string; contact_id: string }>(
        `SELECT kind, value, contact_id FROM crm_identities FINAL
         WHERE tenant_id = {tenant:String} AND kind IN {kinds:Array(String)} AND value IN {values:Array(String)}`,
        {
          kinds: [...new Set(unknown.map((key) => key.kind))],
          values: [...new Set(unknown.map((key) => key.value))],
        },
      )
      for (const key of unknown) this.#owners.set(toIdentityKey(key), null)
      for (const row of rows) {
        const mapKey = `${row.kind}\n${row.value}`
        if (this.#owners.has(mapKey)) this.#owners.set(mapKey, row.contact_id)
      }
      await this.loadContacts(rows.map((row) => row.contact_id))
      // An identity whose contact row is missing (an interrupted write) is free again.
      for (const row of rows) {
        if (!this.#contacts.get(row.contact_id)) this.#owners.set(`${row.kind}\n${row.value}`, null)
      }
    }
    const unchecked = keys.filter(
      (key) => STRONG_KINDS.has(key.kind) && !this.#suppressionChecked.has(toIdentityKey(key)),
    )
    if (unchecked.length > 0) {
      const byHash = new Map(unchecked.map((key) => [hashIdentity(key), toIdentityKey(key)]))
      const rows = await this.#db.rows<{ value_sha256: string }>(
        `SELECT value_sha256 FROM crm_suppressions
         WHERE tenant_id = {tenant:String} AND value_sha256 IN {hashes:Array(String)}`,
        { hashes: [...byHash.keys()] },
      )
      for (const key of unchecked) this.#suppressionChecked.add(toIdentityKey(key))
      for (const row of rows) this.#suppressed.add(byHash.get(row.value_sha256)!)
    }
  }

  /** Loads contact rows not loaded yet. */
  async loadContacts(ids: string[]): Promise<void> {
    const missing = [...new Set(ids)].filter((id) => id !== '' && !this.#contacts.has(id))
    if (missing.length === 0) return
    const rows = await this.#db.rows<ContactRow>(
      `SELECT ${CONTACT_COLUMNS} FROM crm_contacts FINAL
       WHERE tenant_id = {tenant:String} AND id IN {ids:Array(String)}`,
      { ids: missing },
    )
    for (const id of missing) this.#contacts.set(id, null)
    for (const row of rows) {
      row.version = toNumber(row.version)
      this.#contacts.set(row.id, row)
      this.#storedVersion.set(row.id, row.version)
    }
  }

  /** The contact that owns `key` (after {@link preload}), or undefined. */
  getOwner(key: IdentityKey): string | undefined {
    return this.#owners.get(toIdentityKey(key)) ?? undefined
  }

  /** Whether `key` is on the suppression list (after {@link preload}). */
  isSuppressed(key: IdentityKey): boolean {
    return this.#suppressed.has(toIdentityKey(key))
  }

  /** A loaded contact row (live: not deleted), or undefined. */
  getContact(id: string): ContactRow | undefined {
    return this.#contacts.get(id) ?? undefined
  }

  /** Finds or creates the contact of `input.keys` and applies the patch. See the module rules. */
  async upsert(input: UpsertInput): Promise<UpsertResult> {
    const keys = [...new Map(input.keys.map((key) => [toIdentityKey(key), key])).values()]
    await this.preload(keys)
    if (keys.some((key) => this.isSuppressed(key))) {
      return { contactId: undefined, created: false, suppressed: true }
    }
    const strong = keys.filter((key) => STRONG_KINDS.has(key.kind))
    const byRank = (a: IdentityKey, b: IdentityKey) => getKindRank(a.kind) - getKindRank(b.kind)
    const strongOwners = [...new Set(strong.sort(byRank).flatMap((key) => this.getOwner(key) ?? []))]
    const weakOwners = [
      ...new Set(
        keys
          .filter((key) => !STRONG_KINDS.has(key.kind))
          .sort(byRank)
          .flatMap((key) => this.getOwner(key) ?? []),
      ),
    ]
    let target: string | undefined
    if (strongOwners.length > 1) {
      const externalIds = new Set(strongOwners.map((id) => this.getContact(id)!.external_id).filter(Boolean))
      if (externalIds.size <= 1) {
        const [primary, ...others] = [...strongOwners].sort()
        await this.merge(primary!, others, 'auto')
        target = primary
      } else {
        target = strongOwners[0]
      }
    } else if (strongOwners.length === 1) {
      target = strongOwners[0]
    } else if (weakOwners.length > 0) {
      const candidate = this.getContact(weakOwners[0]!)!
      const newExternalId = strong.find((key) => key.kind === 'external_id')?.value
      // Another user account signing in on the same browser is another person.
      const otherAccount = newExternalId && candidate.external_id && candidate.external_id !== newExternalId
      target = otherAccount ? undefined : candidate.id
    }
    let created = false
    if (!target) {
      if (!input.create || strong.length === 0)
        return { contactId: undefined, created: false, suppressed: false }
      target = this.#createRow(input.source)
      created = true
    }
    const row = this.getContact(target)!
    for (const key of keys) {
      if (this.getOwner(key) !== undefined) continue
      if (key.kind === 'external_id' && row.external_id && row.external_id !== key.value) continue
      this.#setOwner(key, target)
    }
    const fromKeys: ContactPatch = {}
    for (const key of [...keys].sort(byRank)) {
      if (key.kind === 'email') fromKeys.email ??= key.value
      if (key.kind === 'phone') fromKeys.phone ??= key.value
      if (key.kind === 'external_id' && this.getOwner(key) === target) fromKeys.externalId ??= key.value
    }
    this.#applyPatch(target, { ...fromKeys, ...input.patch }, created ? 'set' : input.mode, created)
    return { contactId: target, created, suppressed: false }
  }

  /**
   * Creates a contact for `POST /contacts`.
   *
   * @throws CrmError 422 `SUPPRESSED` when an identity was erased; 409 `CONFLICT` when one belongs to a contact.
   */
  async create(keys: IdentityKey[], patch: ContactPatch, source: string): Promise<string> {
    await this.preload(keys)
    this.#assertFree(keys, undefined)
    const id = this.#createRow(source)
    for (const key of keys) this.#setOwner(key, id)
    this.#applyPatch(id, patch, 'set', true)
    return id
  }

  /**
   * Updates a contact (`PATCH`); new identities in the patch are added to the map, old ones stay
   * (a person keeps being found by a former email).
   *
   * @throws CrmError 404 unknown or merged id; 412 when `expectedVersion` is not the stored version;
   *   409/422 as {@link create} for identities.
   */
  async update(
    id: string,
    keys: IdentityKey[],
    patch: ContactPatch,
    expectedVersion?: number,
  ): Promise<void> {
    await this.loadContacts([id])
    const row = this.getLive(id)
    if (expectedVersion !== undefined && expectedVersion !== row.version) {
      throw createCrmError('RASTRO_ERR_CRM_VERSION_CONFLICT', {
        message: `contact ${id} is at version ${row.version}, not ${expectedVersion}`,
        field: 'If-Match',
      })
    }
    await this.preload(keys)
    this.#assertFree(keys, id)
    for (const key of keys) if (this.getOwner(key) !== id) this.#setOwner(key, id)
    this.#applyPatch(id, patch, 'set', false)
  }

  /** The live contact `id`, loaded. @throws CrmError 404 when unknown, deleted or merged. */
  getLive(id: string): ContactRow {
    const row = this.getContact(id)
    if (!row) throw createCrmError('RASTRO_ERR_CRM_NOT_FOUND', { message: `no contact ${id}` })
    if (row.merged_into) {
      throw createCrmError('RASTRO_ERR_CRM_NOT_FOUND', {
        message: `contact ${id} was merged into ${row.merged_into}`,
      })
    }
    return row
  }

  /**
   * Merges `others` into `primaryId`: their identities are re-pointed (new versions win), empty
   * fields of the primary are filled from them, and they keep a `merged_into` pointer so old ids,
   * deals and notes still resolve. Events are not touched.
   *
   * @throws CrmError 404 for an unknown or already merged id; 400 when the primary is among the others.
   */
  async merge(primaryId: string, others: string[], reason: 'auto' | 'api'): Promise<void> {
    if (others.length === 0) return
    if (others.includes(primaryId)) {
      throw createCrmError('RASTRO_ERR_CRM_INVALID_INPUT', {
        message: 'a contact cannot be merged into itself',
        field: 'mergeIds',
      })
    }
    await this.loadContacts([primaryId, ...others])
    const primary = this.getLive(primaryId)
    const rows = others.map((id) => this.getLive(id))
    const { identities: stored } = await getPersonKeys(this.#db, others)
    for (const identity of stored) {
      const mapKey = toIdentityKey(identity)
      if (!this.#owners.has(mapKey)) this.#owners.set(mapKey, identity.contact_id)
    }
    const otherSet = new Set(others)
    for (const [mapKey, owner] of this.#owners) {
      if (owner && otherSet.has(owner)) {
        const [kind, value] = mapKey.split('\n') as [IdentityKind, string]
        this.#setOwner({ kind, value }, primaryId)
      }
    }
    await this.loadContacts(rows.flatMap((row) => row.merged_ids))
    for (const row of rows) {
      this.#applyPatch(
        primaryId,
        {
          email: row.email,
          phone: row.phone,
          externalId: row.external_id,
          firstName: row.first_name,
          lastName: row.last_name,
          companyId: row.company_id,
          lifecycleStage: row.lifecycle_stage,
          properties: JSON.parse(row.properties || '{}') as Record<string, unknown>,
        },
        'setOnce',
        false,
      )
      for (const id of [row.id, ...row.merged_ids]) {
        const merged = this.getContact(id)
        if (merged) {
          merged.merged_into = primaryId
          merged.updated_at = toClickHouseTime(this.#context.now)
          this.#dirty.add(id)
        }
      }
      primary.merged_ids = [...new Set([...primary.merged_ids, row.id, ...row.merged_ids])]
      this.#record({
        action: 'contact.merged',
        object: 'contact',
        objectId: primaryId,
        contactId: primaryId,
        changes: { mergedId: row.id, reason },
      })
    }
    primary.updated_at = toClickHouseTime(this.#context.now)
    this.#dirty.add(primaryId)
    this.touched.add(primaryId)
  }

  /** Soft-deletes a contact and frees its identities (`DELETE /contacts/{id}`). @throws CrmError 404. */
  async remove(id: string): Promise<void> {
    await this.loadContacts([id])
    const row = this.getLive(id)
    const { identities: stored } = await getPersonKeys(this.#db, [id])
    for (const identity of stored) {
      this.#identityRows.set(toIdentityKey(identity), {
        ...this.#toIdentityRow(identity, id),
        is_deleted: 1,
      })
      this.#owners.set(toIdentityKey(identity), null)
    }
    row.is_deleted = 1
    row.updated_at = toClickHouseTime(this.#context.now)
    this.#dirty.add(id)
    this.#record({ action: 'contact.deleted', object: 'contact', objectId: id, contactId: id, changes: {} })
  }

  /** Writes what the batch changed: contacts, identities, audit rows. The batch stays usable. */
  async flush(): Promise<void> {
    const contactRows = [...this.#dirty].map((id) => {
      const row = this.#contacts.get(id)!
      const version = (this.#storedVersion.get(id) ?? 0) + 1
      this.#storedVersion.set(id, version)
      row.version = version
      return { ...row }
    })
    const identityRows = [...this.#identityRows.values()]
    const changes = this.#changes
    this.#dirty.clear()
    this.#identityRows.clear()
    this.#changes = []
    // Identities first: after a crash between the two, an identity without its contact is free again
    // (see preload), whereas a contact without its identities could be duplicated.
    await this.#db.insert('crm_identities', identityRows)
    await this.#db.insert('crm_contacts', contactRows)
    await this.#db.insert('crm_changes', changes)
  }

  #assertFree(keys: IdentityKey[], self: string | undefined): void {
    for (const key of keys) {
      if (this.isSuppressed(key)) {
        throw createCrmError('RASTRO_ERR_CRM_SUPPRESSED', {
          message: `this ${key.kind} was erased under GDPR and may not be added again`,
          field: key.kind === 'external_id' ? 'externalId' : key.kind,
        })
      }
      const owner = this.getOwner(key)
      if (owner && owner !== self) {
        throw createCrmError('RASTRO_ERR_CRM_CONFLICT', {
          message: `this ${key.kind} belongs to contact ${owner}`,
          field: key.kind === 'external_id' ? 'externalId' : key.kind,
        })
      }
    }
  }

  #createRow(source: string): string {
    const id = createId(this.#context.now)
    const at = toClickHouseTime(this.#context.now)
    this.#contacts.set(id, {
      id,
      version: 0,
      is_deleted: 0,
      merged_into: '',
      merged_ids: [],
      email: '',
      phone: '',
      external_id: '',
      first_name: '',
      last_name: '',
      company_id: '',
      lifecycle_stage: '',
      source,
      properties: '{}',
      created_at: at,
      updated_at: at,
    })
    this.#dirty.add(id)
    this.touched.add(id)
    return id
  }

  #toIdentityRow(key: IdentityKey, contactId: string): Record<string, unknown> {
    return {
      kind: key.kind,
      value: key.value,
      contact_id: contactId,
      version: nextVersion(),
      is_deleted: 0,
      source: this.#context.actor === 'feed' ? 'feed' : 'api',
      created_at: toClickHouseTime(this.#context.now),
    }
  }

  #setOwner(key: IdentityKey, contactId: string): void {
    const mapKey = toIdentityKey(key)
    const previous = this.#owners.get(mapKey)
    this.#owners.set(mapKey, contactId)
    this.#identityRows.set(mapKey, this.#toIdentityRow(key, contactId))
    this.touched.add(contactId)
    if (previous !== contactId && key.kind !== 'email' && key.kind !== 'phone')
      this.reidentified.add(contactId)
    if (previous !== contactId && key.kind !== 'anon_id') {
      this.#record({
        action: 'identity.added',
        object: 'contact',
        objectId: contactId,
        contactId,
        changes: { kind: key.kind, value: key.value },
      })
    }
  }

  #applyPatch(id: string, patch: ContactPatch, mode: 'set' | 'setOnce', created: boolean): void {
    const row = this.getContact(id)!
    const changed: Record<string, unknown> = {}
    for (const [field, column] of PATCH_COLUMNS) {
      const value = patch[field]
      if (value === undefined || value === row[column]) continue
      if (mode === 'setOnce' && (row[column] !== '' || value === '')) continue
      changed[field] = value
      row[column] = value
    }
    const stage = patch.lifecycleStage
    if (
      stage &&
      stage !== row.lifecycle_stage &&
      (mode === 'set' || rankStage(stage) > rankStage(row.lifecycle_stage))
    ) {
      changed.lifecycleStage = stage
      row.lifecycle_stage = stage
    }
    if (patch.properties) {
      const properties = JSON.parse(row.properties || '{}') as Record<string, unknown>
      const changedProperties: Record<string, unknown> = {}
      for (const [name, value] of Object.entries(patch.properties)) {
        if (value === undefined || JSON.stringify(properties[name]) === JSON.stringify(value)) continue
        if (mode === 'setOnce' && name in properties) continue
        if (value === null) delete properties[name]
        else properties[name] = value
        changedProperties[name] = value
      }
      if (Object.keys(changedProperties).length > 0) {
        changed.properties = changedProperties
        row.properties = JSON.stringify(properties)
      }
    }
    if (!created && Object.keys(changed).length === 0) return
    row.updated_at = toClickHouseTime(this.#context.now)
    this.#dirty.add(id)
    this.touched.add(id)
    this.#record({
      action: created ? 'contact.created' : 'contact.updated',
      object: 'contact',
      objectId: id,
      contactId: id,
      changes: created ? { ...changed, source: row.source } : changed,
    })
  }

  #record(input: ChangeInput): void {
    this.#changes.push(createChange(this.#context, input))
  }
}
