/**
 * Lead scores: kept per contact in `crm_scores` as a {@link ScoreState}, updated incrementally
 * from the event feed (`applyEvents`), rebuilt on demand by replaying the contact's stored events
 * (`recompute`), and read decayed to the moment they are read (`getScore`). A contact crossing the
 * tenant's hot-lead threshold fires `contact.hot_lead` once per crossing. Runs inside the tenant's
 * single writer, so state reads and writes of a contact never interleave.
 */
import type { ContactRow } from '../contacts/contact-row.js'
import { toClickHouseTime, toEpochMs, toNumber } from '../db/clickhouse-time.js'
import { getResolvedEventsSql } from '../db/event-sql.js'
import { getPersonEventParams, getPersonEventsSql, getPersonKeys } from '../identity/get-person-keys.js'
import type { TenantDb } from '../db/tenant-db.js'
import { getTenantSetting, putTenantSetting } from '../db/tenant-settings.js'
import { nextVersion } from '../db/version-clock.js'
import {
  applyEvent,
  canScore,
  computeScore,
  createScoreState,
  pruneState,
  type Score,
  type ScoredEvent,
  type ScoreState,
} from './compute-score.js'
import { getFitValues } from './get-fit-values.js'
import { DEFAULT_SCORING_RULES, scoringRulesSchema, type ScoringRules } from './scoring-rules.js'

/** An event attributed to a contact, as the feed hands it over. */
export interface AttributedEvent {
  contactId: string
  messageId: string
  event: ScoredEvent
}

export interface StoredScore extends Score {
  hot: boolean
  /** When the state was last written (ISO 8601), undefined when the contact was never scored. */
  updatedAt: string | undefined
}

export interface ScoreServiceOptions {
  /** Current epoch ms (injected so tests can move time). */
  now: () => number
  /** Called when a contact crosses the hot-lead threshold upwards. */
  onHotLead(db: TenantDb, contact: ContactRow, score: Score): void
  /**
   * Keep each tenant's rules in memory (default true): right when this service is the only one
   * that changes them. The collector's event feed, in a worker thread while the API changes rules
   * on the main one, reads them at every batch instead.
   */
  cacheRules?: boolean
}

export interface ScoreService {
  getRules(db: TenantDb): Promise<ScoringRules>
  putRules(db: TenantDb, rules: ScoringRules): Promise<void>
  /**
   * Adds attributed events to their contacts' states. Contacts in `rebuild` (that just gained an
   * identity, so older events now belong to them) are first replayed from ClickHouse. `rules`:
   * the tenant's, when the caller has read them already (default: read with {@link getRules}).
   */
  applyEvents(
    db: TenantDb,
    events: AttributedEvent[],
    rebuild: ReadonlySet<string>,
    getContact: (id: string) => ContactRow | undefined,
    rules?: ScoringRules,
  ): Promise<void>
  /** Rebuilds the states of `contactIds` (all scored contacts when undefined) from stored events. @returns contacts written. */
  recompute(
    db: TenantDb,
    contactIds: string[] | undefined,
    getContacts: (ids: string[]) => Promise<ContactRow[]>,
  ): Promise<number>
  /** The score of a contact now. */
  getScore(db: TenantDb, contact: ContactRow): Promise<StoredScore>
}

const SETTING = 'scoring'

/** An event row read back for replays. */
interface ReplayRow {
  message_id: string
  anonymous_id: string
  user_id: string
  type: string
  event: string
  path: string
  properties: string
  score: number | string
  engagement: string
  timestamp: string
}

function toScoredEvent(row: ReplayRow): ScoredEvent {
  let properties: Record<string, unknown> = {}
  try {
    properties = JSON.parse(row.properties || '{}') as Record<string, unknown>
  } catch {
    // Unparseable properties score as none.
  }
  return {
    type: row.type,
    event: row.event,
    path: row.path,
    properties,
    score: toNumber(row.score),
    engagement: row.engagement,
    at: toEpochMs(row.timestamp),
  }
}

export function createScoreService(options: ScoreServiceOptions): ScoreService {
  const rulesCache = new Map<string, ScoringRules>()

  async function getRules(db: TenantDb): Promise<ScoringRules> {
    const cached = rulesCache.get(db.tenantId)
    if (cached) return cached
    const stored = await getTenantSetting(db, SETTING)
    const rules = stored ? scoringRulesSchema.parse(stored) : DEFAULT_SCORING_RULES
    if (options.cacheRules !== false) rulesCache.set(db.tenantId, rules)
    return rules
  }

  async function loadStates(db: TenantDb, ids: string[]): Promise<Map<string, ScoreState>> {
    const states = new Map<string, ScoreState>()
    if (ids.length === 0) return states
    const rows = await db.rows<{ contact_id: string; state: string }>(
      `SELECT contact_id, state FROM crm_scores FINAL
       WHERE tenant_id = {tenant:String} AND contact_id IN {ids:Array(String)}`,
      { ids },
    )
    for (const row of rows) states.set(row.contact_id, JSON.parse(row.state) as ScoreState)
    return states
  }

  /** Replays the stored events of `ids` (all resolved contacts when undefined) into fresh states. */
  async function replay(
    db: TenantDb,
    rules: ScoringRules,
    ids: string[] | undefined,
  ): Promise<{ states: Map<string, ScoreState>; seen: Set<string> }> {
    const states = new Map<string, ScoreState>()
    const seen = new Set<string>()
    const apply = (contactId: string, row: ReplayRow) => {
      seen.add(row.message_id)
      let state = states.get(contactId)
      if (!state) states.set(contactId, (state = createScoreState()))
      applyEvent(rules, state, toScoredEvent(row))
    }
    // Only events some rule can match; a rule without a type can match any event.
    const pairs = rules.engagement.map((rule) => [rule.type ?? '', rule.event ?? ''] as const)
    const typeFilter = pairs.some(([type]) => type === '')
      ? '1'
      : `(type IN {types:Array(String)} OR concat(type, '\\n', event) IN {pairs:Array(String)})`
    const params = {
      types: pairs.filter(([, event]) => event === '').map(([type]) => type),
      pairs: pairs.filter(([, event]) => event !== '').map(([type, event]) => `${type}\n${event}`),
    }
    const columns = [
      'message_id',
      'anonymous_id',
      'user_id',
      'type',
      'event',
      'path',
      'properties',
      'score',
      'engagement',
      'timestamp',
    ]
    if (!ids) {
      await db.eachRow<ReplayRow & { contact_id: string }>(
        `SELECT contact_id, ${columns.join(', ')} FROM ${getResolvedEventsSql(columns, typeFilter)}
         WHERE contact_id != '' ORDER BY timestamp`,
        params,
        (row) => apply(row.contact_id, row),
      )
      return { states, seen }
    }
    // Some contacts: their events by their identities, resolved here with the same precedence as
    // getResolvedEventsSql (link, then user id, then anonymous id).
    const keys = await getPersonKeys(db, ids)
    const owner = new Map(
      keys.identities.map((identity) => [`${identity.kind}\n${identity.value}`, identity.contact_id]),
    )
    const linked = new Map(
      keys.links.map((link) => [link.message_id, owner.get(`${link.kind}\n${link.value}`)]),
    )
    const rows = await db.rows<ReplayRow>(
      `SELECT * FROM (${getPersonEventsSql(keys, columns.join(', '), `bot = 0 AND ${typeFilter}`)})
       ORDER BY timestamp LIMIT 1 BY message_id`,
      { ...params, ...getPersonEventParams(keys) },
    )
    // An event sent with another contact's user id is theirs, even from one of our browsers.
    const otherUsers = [
      ...new Set(rows.map((row) => row.user_id).filter((user) => user && !owner.has(`external_id\n${user}`))),
    ]
    const taken = new Set(
      otherUsers.length === 0
        ? []
        : (
            await db.rows<{ value: string }>(
              `SELECT value FROM crm_identities FINAL
               WHERE tenant_id = {tenant:String} AND kind = 'external_id' AND value IN {values:Array(String)}`,
              { values: otherUsers },
            )
          ).map((row) => row.value),
    )
    for (const row of rows) {
      const byAnon = owner.get(`anon_id\n${row.anonymous_id}`) ?? owner.get(`device_id\n${row.anonymous_id}`)
      const contactId =
        linked.get(row.message_id) ??
        owner.get(`external_id\n${row.user_id}`) ??
        (taken.has(row.user_id) ? undefined : byAnon)
      if (contactId) apply(contactId, row)
    }
    for (const id of ids) if (!states.has(id)) states.set(id, createScoreState())
    return { states, seen }
  }

  /** Writes states, firing the hot-lead hook on upward crossings. */
  async function write(
    db: TenantDb,
    rules: ScoringRules,
    states: Map<string, ScoreState>,
    previous: Map<string, ScoreState>,
    getContact: (id: string) => ContactRow | undefined,
  ): Promise<number> {
    const now = options.now()
    const rows: Record<string, unknown>[] = []
    for (const [id, state] of states) {
      const contact = getContact(id)
      if (!contact) continue
      pruneState(rules, state, now)
      const score = computeScore(rules, state, getFitValues(contact), now)
      const wasHot = previous.get(id)?.hot ?? false
      state.hot = score.total >= rules.hotLeadThreshold
      if (state.hot && !wasHot) options.onHotLead(db, contact, score)
      rows.push({
        contact_id: id,
        version: nextVersion(),
        state: JSON.stringify(state),
        fit: score.fit,
        engagement: score.engagement,
        total: score.total,
        hot: state.hot ? 1 : 0,
        computed_at: toClickHouseTime(now),
      })
    }
    await db.insert('crm_scores', rows)
    return rows.length
  }

  return {
    getRules,

    async putRules(db, rules) {
      await putTenantSetting(db, SETTING, rules)
      if (options.cacheRules !== false) rulesCache.set(db.tenantId, rules)
    },

    async applyEvents(db, events, rebuild, getContact, given) {
      const rules = given ?? (await getRules(db))
      const scored = events.filter(({ event }) => canScore(rules, event))
      const ids = [...new Set([...scored.map((event) => event.contactId), ...rebuild])]
      if (ids.length === 0) return
      const previous = await loadStates(db, ids)
      const states = new Map([...previous].map(([id, state]) => [id, structuredClone(state)]))
      let seen = new Set<string>()
      const toRebuild = ids.filter((id) => rebuild.has(id))
      if (toRebuild.length > 0) {
        const replayed = await replay(db, rules, toRebuild)
        for (const [id, state] of replayed.states)
          states.set(id, { ...state, hot: previous.get(id)?.hot ?? false })
        seen = replayed.seen
      }
      for (const { contactId, messageId, event } of scored) {
        if (seen.has(messageId)) continue
        let state = states.get(contactId)
        if (!state) states.set(contactId, (state = createScoreState()))
        applyEvent(rules, state, event)
      }
      await write(db, rules, states, previous, getContact)
    },

    async recompute(db, contactIds, getContacts) {
      const rules = await getRules(db)
      const { states } = await replay(db, rules, contactIds)
      if (!contactIds) {
        // Contacts scored before whose events no longer count are rescored too (to their fit alone).
        const scored = await db.rows<{ contact_id: string }>(
          `SELECT contact_id FROM crm_scores FINAL WHERE tenant_id = {tenant:String}`,
        )
        for (const row of scored)
          if (!states.has(row.contact_id)) states.set(row.contact_id, createScoreState())
      }
      const ids = [...states.keys()]
      const previous = await loadStates(db, ids)
      for (const [id, state] of states) state.hot = previous.get(id)?.hot ?? false
      const contacts = new Map((await getContacts(ids)).map((row) => [row.id, row]))
      return write(db, rules, states, previous, (id) => contacts.get(id))
    },

    async getScore(db, contact) {
      const rules = await getRules(db)
      const [row] = await db.rows<{ state: string; computed_at: string }>(
        `SELECT state, computed_at FROM crm_scores FINAL
         WHERE tenant_id = {tenant:String} AND contact_id = {id:String}`,
        { id: contact.id },
      )
      const state = row ? (JSON.parse(row.state) as ScoreState) : createScoreState()
      const score = computeScore(rules, state, getFitValues(contact), options.now())
      return {
        ...score,
        hot: state.hot,
        updatedAt: row ? row.computed_at.replace(' ', 'T') + 'Z' : undefined,
      }
    },
  }
}
